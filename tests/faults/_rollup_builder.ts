// A child process of the roll-up crash test. Usage: _rollup_builder.ts <path>
//
// Rebuilds the daily roll-up of the SQLite file for ever: each round
// deletes every day's fingerprint (as an update of every day would), then
// refreshes, printing "r <days built>". It is meant to be killed mid-build.

import { SqlitePersistence } from "../../mod.ts";
import {
  REFRESH_USAGE_ROLLUP,
  type RefreshesUsageRollup,
} from "../../src/core/usage_rollup_schedule.ts";
import { openSqliteDatabase } from "../../src/sqlite/runtime.ts";

const path = process.argv[2]!;
const store = await SqlitePersistence.open(path, { usageRollup: false });
const raw = await openSqliteDatabase(path);
raw.exec("PRAGMA busy_timeout = 10000");
console.log("ready");
while (true) {
  raw.exec("DELETE FROM curio_usage_days");
  const built = await (store as unknown as RefreshesUsageRollup)
    [REFRESH_USAGE_ROLLUP]();
  console.log(`r ${built}`);
}
