// The one rule for names that are written into SQL text rather than bound as
// parameters: a schema name is part of every statement, so nothing but a
// plain identifier may reach SQL through it.

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** What a schema name must be, as error messages say it. */
const SCHEMA_NAME_RULE =
  "a plain identifier (letters, digits and _, at most 63, not starting with a digit)";

/**
 * `name`, checked to be a plain identifier, safe to quote into SQL. When it
 * is not, throws the error `refuse` makes from the name as quoted in
 * messages and the rule it breaks: each caller names its own source.
 */
export function checkSchemaName(
  name: unknown,
  refuse: (quotedName: string, rule: string) => Error,
): string {
  if (typeof name !== "string" || !PLAIN_IDENTIFIER.test(name)) {
    throw refuse(JSON.stringify(String(name).slice(0, 80)), SCHEMA_NAME_RULE);
  }
  return name;
}
