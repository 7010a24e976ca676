// A request the JSON API refuses with 400 and the error's message.

/** A parameter the API cannot take. */
export class BadRequest extends Error {}
