// A line-based TCP chat server on startServer, and three clients on
// openConnection: each client names itself, hears who joins and leaves
// and what the others say, then quits; the server closes once everyone
// is gone. The program takes its turns one at a time, so what each client
// hears comes out in the same order on every run.
import { run } from "../mod.ts";
import {
  openConnection,
  startServer,
  type StreamReader,
  type StreamWriter,
} from "../streams/mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readLine(reader: StreamReader): Promise<string | null> {
  const line = await reader.readline();
  return line.length === 0 ? null : decoder.decode(line).trimEnd();
}

async function writeLine(writer: StreamWriter, line: string): Promise<void> {
  writer.write(encoder.encode(`${line}\n`));
  await writer.drain();
}

/** The room: each connected member's writer, by name. */
const members = new Map<string, StreamWriter>();

async function broadcast(from: string, line: string): Promise<void> {
  for (const [name, writer] of members) {
    if (name !== from) await writeLine(writer, line);
  }
}

/** Serves one connection: its first line is the member's name. */
async function member(reader: StreamReader, writer: StreamWriter) {
  const name = await readLine(reader);
  if (name === null) return writer.close();
  members.set(name, writer);
  await writeLine(writer, `welcome ${name}, ${members.size} online`);
  await broadcast(name, `* ${name} joined`);
  for (let line; (line = await readLine(reader)) !== null;) {
    if (line === "/quit") break;
    await broadcast(name, `<${name}> ${line}`);
  }
  members.delete(name);
  await broadcast(name, `* ${name} left`);
  await writeLine(writer, `bye ${name}`);
  writer.close();
  await writer.waitClosed();
}

/** One chat client: what it says goes to the server, what it hears is printed. */
class Client {
  private constructor(
    readonly name: string,
    readonly reader: StreamReader,
    readonly writer: StreamWriter,
  ) {}

  static async join(port: number, name: string): Promise<Client> {
    const [reader, writer] = await openConnection("127.0.0.1", port);
    const client = new Client(name, reader, writer);
    await writeLine(writer, name);
    await client.hear();
    return client;
  }

  say(text: string): Promise<void> {
    return writeLine(this.writer, text);
  }

  async hear(): Promise<void> {
    const line = await readLine(this.reader);
    console.log(`${this.name} hears: ${line ?? "(connection closed)"}`);
  }

  async quit(): Promise<void> {
    await this.say("/quit");
    await this.hear(); // bye
    await this.hear(); // the server closed the connection
    this.writer.close();
    await this.writer.waitClosed();
  }
}

await run(async () => {
  const server = await startServer(member, "127.0.0.1", 0);
  const port = server.sockets[0].getsockname()[1];

  const alice = await Client.join(port, "alice");
  const bob = await Client.join(port, "bob");
  await alice.hear();
  await alice.say("hi bob");
  await bob.hear();
  await bob.say("hello alice");
  await alice.hear();

  const carol = await Client.join(port, "carol");
  await alice.hear();
  await bob.hear();
  await carol.say("hi all");
  await alice.hear();
  await bob.hear();

  await bob.quit();
  await alice.hear();
  await carol.hear();
  await alice.quit();
  await carol.hear();
  await carol.quit();

  server.close();
  await server.waitClosed();
  console.log(`server closed, ${members.size} online`);
});
