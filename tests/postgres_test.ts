import { conformance } from "./conformance/mod.ts";
import { openFreshPostgres, postgresUrl } from "./_postgres.ts";

if (postgresUrl) conformance("postgres", openFreshPostgres);
