// A TCP proxy on loopback that a test can silence: the connections it
// forwards stop answering (what a server, a NAT or a dead route does to an
// open connection), and new ones are accepted and never answered.

import net from "node:net";

interface Pair {
  client: net.Socket;
  server: net.Socket;
  /** While silenced: what arrived, to forward in order on `resume()`. */
  held: [net.Socket, Uint8Array][] | undefined;
}

/** Forwards 127.0.0.1:`port` to a target until told to fall silent. */
export class TcpProxy {
  readonly #server: net.Server;
  readonly #pairs = new Set<Pair>();
  readonly #sockets = new Set<net.Socket>();
  #acceptSilently = false;

  private constructor(server: net.Server) {
    this.#server = server;
  }

  /** Starts a proxy to `host:port` on a free loopback port. */
  static async start(host: string, port: number): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server);
    server.on("connection", (client) => proxy.#accept(client, host, port));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return proxy;
  }

  /** The port it listens on. */
  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** Connections the proxy holds open now, forwarded or silent. */
  get openConnections(): number {
    return this.#sockets.size;
  }

  /** Forwarded connections that are silenced now. */
  get silentConnections(): number {
    return [...this.#pairs].filter((pair) => pair.held).length;
  }

  /** The connections open now stop forwarding, both ways. */
  silenceOpenConnections(): void {
    for (const pair of this.#pairs) pair.held ??= [];
  }

  /** New connections are accepted, then never answered. */
  acceptSilently(on: boolean): void {
    this.#acceptSilently = on;
  }

  /** Forwards again, first what arrived while silent. */
  resume(): void {
    for (const pair of this.#pairs) {
      const held = pair.held ?? [];
      pair.held = undefined;
      for (const [to, chunk] of held) to.write(chunk);
    }
  }

  /** Closes every connection and stops listening. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #track(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on("close", () => this.#sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  }

  #accept(client: net.Socket, host: string, port: number): void {
    this.#track(client);
    if (this.#acceptSilently) return;
    const server = net.connect(port, host);
    this.#track(server);
    const pair: Pair = { client, server, held: undefined };
    this.#pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket) => {
      from.on("data", (chunk: Uint8Array) => {
        if (pair.held) pair.held.push([to, chunk]);
        else to.write(chunk);
      });
      from.on("close", () => {
        this.#pairs.delete(pair);
        to.destroy();
      });
    };
    forward(client, server);
    forward(server, client);
  }
}
