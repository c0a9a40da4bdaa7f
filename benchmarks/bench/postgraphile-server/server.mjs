// PostGraphile v5 for `just bench --peer` (benchmarks/bench/postgraphile.py starts it).
//
// The amber preset on the `public` schema of DATABASE_URL, with PgIndexBehaviorsPlugin
// disabled so that lists can be ordered by columns that have no index (as this service's
// pages are). WORKERS Node processes share PORT through node:cluster, as uvicorn's
// --workers share theirs. The port opens only once every worker has built its schema,
// so the first answer on /healthz means every worker is ready.
//
// Feed events name their target by (target_type, target_id) with no foreign key: smart
// tags declare target_id a (virtual) foreign key to projects, tribes and users, so that
// PostGraphile can read the target as a relation (ULIDs: at most one of them matches).
// A builder's tribes are listed by tribe name, a column of another table: an order-by
// plugin adds TRIBE_NAME_ASC/DESC to tribe memberships, as PostGraphile's docs show.

import cluster from "node:cluster";
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { addPgTableOrderBy, jsonPgSmartTags, orderByAscDesc } from "postgraphile/utils";

const HOST = "127.0.0.1";
const port = Number(process.env.PORT);
const workers = Number(process.env.WORKERS || "1");
const poolSize = Number(process.env.DB_POOL_MAX_SIZE || "10");

const targetTags = jsonPgSmartTags({
  version: 1,
  config: {
    class: {
      feed_events: {
        tags: {
          foreignKey: [
            "(target_id) references projects (id)|@fieldName targetProject|@foreignFieldName feedEventsAsTarget",
            "(target_id) references tribes (id)|@fieldName targetTribe|@foreignFieldName feedEventsAsTarget",
            "(target_id) references users (id)|@fieldName targetUser|@foreignFieldName feedEventsAsTarget",
          ],
        },
      },
    },
  },
});

const tribeNameOrder = addPgTableOrderBy(
  { schemaName: "public", tableName: "tribe_members" },
  (build) => {
    const { sql } = build;
    return orderByAscDesc("TRIBE_NAME", (queryBuilder) => ({
      fragment: sql`(select t.name from public.tribes t where t.id = ${queryBuilder.alias}.tribe_id)`,
      codec: build.dataplanPg.TYPES.text,
    }));
  },
);

const preset = {
  extends: [PostGraphileAmberPreset],
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  plugins: [targetTags, tribeNameOrder],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      poolConfig: { max: poolSize },
    }),
  ],
  grafserv: { graphiql: false, watch: false },
};

function primary() {
  let built = 0;
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("message", (_worker, message) => {
    if (message === "built" && ++built === workers) {
      for (const worker of Object.values(cluster.workers)) worker.send("listen");
    }
  });
  cluster.on("exit", (worker, code) => {
    if (!stopping) {
      console.error(`worker ${worker.process.pid} exited with code ${code}`);
      stop(1);
    }
  });
  function stop(code) {
    stopping = true;
    for (const worker of Object.values(cluster.workers)) worker.process.kill("SIGTERM");
    process.exit(code);
  }
  process.on("SIGTERM", () => stop(0));
  process.on("SIGINT", () => stop(0));
}

async function worker() {
  const pgl = postgraphile(preset);
  await pgl.getSchema();
  const serv = pgl.createServ(grafserv);
  const handler = serv.createHandler();
  const server = createServer((req, res) => {
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
      return;
    }
    handler(req, res);
  });
  process.on("message", (message) => {
    if (message === "listen") server.listen(port, HOST);
  });
  process.on("SIGTERM", async () => {
    server.close();
    await pgl.release();
    process.exit(0);
  });
  process.send("built");
}

if (cluster.isPrimary) primary();
else await worker();
