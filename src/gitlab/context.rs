//! The pipeline's context, from GitLab's predefined CI/CD variables
//! (<https://docs.gitlab.com/ci/variables/predefined_variables/>). The same variables exist
//! on GitLab.com and on a self-managed instance; `CI_API_V4_URL` names the instance's API.

use std::collections::BTreeMap;

use super::Error;
use crate::github::context::is_sha;

/// Whether this process runs in a GitLab CI/CD job (`GITLAB_CI=true`).
#[must_use]
pub fn in_gitlab_ci() -> bool {
    std::env::var("GITLAB_CI").is_ok_and(|v| v.trim() == "true")
}

/// `CI_MERGE_REQUEST_DIFF_BASE_SHA` in a merge request pipeline: the commit the merge
/// request's diff starts from, the default `--base`.
#[must_use]
pub fn merge_request_base() -> Option<String> {
    if !in_gitlab_ci() {
        return None;
    }
    std::env::var("CI_MERGE_REQUEST_DIFF_BASE_SHA")
        .ok()
        .map(|sha| sha.trim().to_owned())
        .filter(|sha| is_sha(sha))
}

/// What a job knows of where it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    /// `CI_API_V4_URL`: `https://gitlab.com/api/v4`, or a self-managed instance's.
    pub api_url: String,
    /// `CI_PROJECT_ID`, the project's numeric id (the API takes it in place of the path).
    pub project: u64,
    /// `CI_MERGE_REQUEST_IID`: set in merge request pipelines only.
    pub merge_request: Option<u64>,
    /// `CI_COMMIT_SHA`: the commit the pipeline runs for.
    pub commit: Option<String>,
}

impl Context {
    /// Reads the context from the process environment.
    ///
    /// # Errors
    /// `CI_API_V4_URL` or `CI_PROJECT_ID` is missing or malformed.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(
            &std::env::vars()
                .filter(|(k, _)| k.starts_with("CI_"))
                .collect(),
        )
    }

    /// The context from a map of variables (the tests' way in).
    ///
    /// # Errors
    /// As [`Context::from_env`].
    pub fn from_vars(vars: &BTreeMap<String, String>) -> Result<Self, Error> {
        let var = |name: &str| vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let api_url = var("CI_API_V4_URL")
            .ok_or_else(|| {
                Error::Context(
                    "CI_API_V4_URL is not set: GitLab sets it in every CI/CD job".to_owned(),
                )
            })?
            .trim_end_matches('/')
            .to_owned();
        let project = var("CI_PROJECT_ID")
            .ok_or_else(|| Error::Context("CI_PROJECT_ID is not set".to_owned()))?;
        let project = project.parse().map_err(|_| {
            Error::Context(format!("CI_PROJECT_ID `{project}` is not a project id"))
        })?;
        let merge_request = match var("CI_MERGE_REQUEST_IID") {
            Some(iid) => Some(iid.parse().map_err(|_| {
                Error::Context(format!(
                    "CI_MERGE_REQUEST_IID `{iid}` is not a merge request number"
                ))
            })?),
            None => None,
        };
        let commit = var("CI_COMMIT_SHA")
            .filter(|sha| is_sha(sha))
            .map(str::to_owned);
        Ok(Self {
            api_url,
            project,
            merge_request,
            commit,
        })
    }
}

/// Which token a job has for the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// `PRR_GITLAB_TOKEN`: a project or group access token (or a personal one) with the
    /// `api` scope.
    Api(String),
    /// Only `CI_JOB_TOKEN`, which cannot write notes or read merge requests.
    OnlyJobToken,
    None,
}

impl Token {
    #[must_use]
    pub fn from_env() -> Self {
        let set = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
        };
        match (set("PRR_GITLAB_TOKEN"), set("CI_JOB_TOKEN")) {
            (Some(token), _) => Self::Api(token),
            (None, Some(_)) => Self::OnlyJobToken,
            (None, None) => Self::None,
        }
    }

    /// Why there is no usable token, in one line naming the fix; `None` with one.
    #[must_use]
    pub fn missing(&self, for_what: &str) -> Option<String> {
        match self {
            Self::Api(_) => None,
            Self::OnlyJobToken => Some(format!(
                "only CI_JOB_TOKEN is set, and GitLab does not let a job token {for_what}: set PRR_GITLAB_TOKEN to a project or group access token with the api scope (docs/gitlab.md)"
            )),
            Self::None => Some(format!(
                "PRR_GITLAB_TOKEN is not set, so prr cannot {for_what}: set it to a project or group access token with the api scope (docs/gitlab.md)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_merge_request_pipeline_names_project_merge_request_and_commit() {
        let sha = "a".repeat(40);
        let cx = Context::from_vars(&vars(&[
            ("CI_API_V4_URL", "https://gitlab.acme.dev/api/v4/"),
            ("CI_PROJECT_ID", "42"),
            ("CI_MERGE_REQUEST_IID", "7"),
            ("CI_COMMIT_SHA", &sha),
        ]))
        .unwrap();
        assert_eq!(cx.api_url, "https://gitlab.acme.dev/api/v4");
        assert_eq!((cx.project, cx.merge_request), (42, Some(7)));
        assert_eq!(cx.commit.as_deref(), Some(sha.as_str()));
    }

    #[test]
    fn a_branch_pipeline_has_no_merge_request_and_bad_values_are_named() {
        let cx = Context::from_vars(&vars(&[
            ("CI_API_V4_URL", "https://gitlab.com/api/v4"),
            ("CI_PROJECT_ID", "42"),
            ("CI_COMMIT_SHA", "not-a-sha"),
        ]))
        .unwrap();
        assert_eq!((cx.merge_request, cx.commit), (None, None));
        let err = Context::from_vars(&vars(&[
            ("CI_API_V4_URL", "https://gitlab.com/api/v4"),
            ("CI_PROJECT_ID", "group/project"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("CI_PROJECT_ID"), "{err}");
        assert!(Context::from_vars(&vars(&[("CI_PROJECT_ID", "1")])).is_err());
    }
}
