// GraphQL Code Generator: types and TypedDocumentNodes for the frontend's operations.
// An operation that no longer validates against the schema (a renamed or removed field,
// a changed argument) fails the run; a changed type fails `tsc` in the consumer.
// Generates from the committed schema (../../schema.graphql, written by `just schema`),
// so no server, and no introspection, is needed. Run: `npm run codegen` (or `just client-check`).
import { createHash } from "node:crypto";
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["src/operations/*.graphql"],
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: {
        // Plain nested types: a consumer reads a fragment's fields directly (no useFragment).
        fragmentMasking: false,
        // Writes src/gql/persisted-documents.json, the trusted-documents manifest: the
        // lowercase hex SHA-256 of each normalised document -> that document (fragments
        // included). Plain hex, as Apollo's `extensions.persistedQuery.sha256Hash` carries it;
        // each generated document carries its hash in `__meta__.hash`.
        persistedDocuments: {
          hashAlgorithm: (document: string) => createHash("sha256").update(document).digest("hex"),
        },
      },
      config: {
        // ISO 8601 strings on the wire; the consumer makes Dates where it needs them.
        scalars: { DateTime: "string" },
        // A new custom scalar without a mapping fails codegen instead of becoming `any`.
        strictScalars: true,
        // `export const ProjectStatus = { Shipped: "SHIPPED", ... } as const` plus the union
        // type of its values: string literals on the wire, no TS `enum` (which SWC/Babel and
        // `erasableSyntaxOnly` dislike), and still an object to list the values in a <select>.
        enumType: "const",
        useTypeImports: true,
      },
    },
  },
};

export default config;
