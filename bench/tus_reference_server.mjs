// The reference tus server for bench/tus_bench.py: @tus/server with its file store, as its
// README starts it. Usage: node bench/tus_reference_server.mjs PORT FOLDER
// Uploads go to http://127.0.0.1:PORT/files; "ready" is printed once it listens.
import { FileStore } from "@tus/file-store";
import { Server } from "@tus/server";

const [port, directory] = process.argv.slice(2);
const server = new Server({ path: "/files", datastore: new FileStore({ directory }) });
server.listen({ host: "127.0.0.1", port: Number(port) }, () => console.log("ready"));
