//! `manifest_schema`: the manifest meets the published JSON Schema
//! (`schemas/manifest.schema.json`): every key known, every value of the right type and
//! range, every date a real date. Each violation is its own finding at its own line.
//! Takes no parameters.

use super::{no_params, Builtin, Context, Failure, Outcome, Spec};
use crate::manifest::schema::CompiledSchema;

pub const SPEC: Spec = Spec {
    name: "manifest_schema",
    summary: "the manifest meets schemas/manifest.schema.json (no parameters)",
    build,
};

fn build(with: &toml::Table) -> Result<Box<dyn Builtin>, String> {
    no_params(with)?;
    Ok(Box::new(ManifestSchema {
        schema: CompiledSchema::manifest(),
    }))
}

#[derive(Debug)]
struct ManifestSchema {
    schema: CompiledSchema,
}

impl Builtin for ManifestSchema {
    fn evaluate(&self, cx: &Context<'_>) -> Outcome {
        let failures = self
            .schema
            .validate(cx.manifest)
            .into_iter()
            .chain(crate::manifest::schema::quoted_dates(cx.manifest))
            .chain(
                cx.manifest
                    .cuts
                    .iter()
                    .map(|cut| crate::manifest::schema::Violation {
                        key: cut.path.clone(),
                        span: cut.span,
                        message: cut.message(),
                    }),
            )
            .map(|v| Failure::new(v.message, v.key, v.span))
            .collect();
        Outcome::fail(failures, "the manifest meets the manifest schema")
    }
}
