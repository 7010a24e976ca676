// The web view's public surface, re-exported by web.ts at the root.

export { openForViewing } from "./open.ts";
export {
  DEFAULT_PORT,
  startWebServer,
  type WebServer,
  type WebServerOptions,
} from "./server.ts";
