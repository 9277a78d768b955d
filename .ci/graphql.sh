#!/usr/bin/env bash
# Every GraphQL query prr sends, validated against GitHub's published GraphQL schema
# (@octokit/graphql-schema's schema.json: GitHub's introspection answer; its SDL twin
# defines two fields twice, which `buildSchema` rightly refuses) with the reference
# implementation's `parse`
# and `validate` (npm `graphql`): an unknown field, a wrong argument or a variable of the
# wrong type fails here before GitHub would refuse it. The queries are the files under
# src/ that the code includes with include_str!, so the text validated is the text sent.
#
#   bash .ci/graphql.sh            # the tools come from .ci/tools.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/tools.sh
tools=$PWD/.ci/tools/node_modules

mapfile -t queries < <(find src -name '*.graphql' | sort)
[ "${#queries[@]}" -gt 0 ] || { echo "graphql: no query under src/" >&2; exit 1; }
for query in "${queries[@]}"; do
  # A .graphql file that no code includes is not a query prr sends: validating it would
  # prove nothing about what is sent.
  if ! grep -rqF "include_str!(\"$(basename "$query")\")" "$(dirname "$query")"; then
    echo "graphql: $query is not included by the code beside it (include_str!)" >&2
    exit 1
  fi
done

node - "$tools" "${queries[@]}" <<'JS'
const fs = require("fs");
const [tools, ...files] = process.argv.slice(2);
const { buildClientSchema, parse, validate, Source } = require(`${tools}/graphql`);
const schema = buildClientSchema(
  JSON.parse(fs.readFileSync(`${tools}/@octokit/graphql-schema/schema.json`, "utf8")),
);
const problems = (name, text) => {
  try {
    return validate(schema, parse(new Source(text, name)));
  } catch (error) {
    return [error];
  }
};
const where = (name, error) => {
  const at = (error.locations || [])[0];
  return at ? `${name}:${at.line}:${at.column}` : name;
};
let failed = false;
for (const file of files) {
  const text = fs.readFileSync(file, "utf8");
  // The check can fail: the same query with a field GitHub does not have must not pass.
  const broken = text.replace("nameWithOwner", "nameWithOwnerr");
  if (broken === text || problems(file, broken).length === 0) {
    console.error(`graphql: a broken copy of ${file} passed validation: the check would prove nothing`);
    process.exit(1);
  }
  const errors = problems(file, text);
  for (const error of errors) {
    console.error(`${where(file, error)}: ${error.message}`);
  }
  if (errors.length > 0) {
    failed = true;
  } else {
    const operations = parse(text).definitions.filter((d) => d.kind === "OperationDefinition");
    console.log(`graphql: ${file}: ${operations.map((o) => o.name.value).join(", ")} valid against GitHub's schema`);
  }
}
process.exit(failed ? 1 : 0);
JS
