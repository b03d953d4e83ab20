//! Where configuration is loaded from, and in which order: the home file,
//! the project file, the environment (see the precedence in the parent
//! module).

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::builder::{ClientBuilder, ProjectFile};
use super::env::load_env;
use super::hints::{TRUST_PROJECT_ORG_URL_ENV, setter_hint};
use super::layer::{Settings, parse_bool};
use super::yaml::load_yaml_file;

/// Where configuration is loaded from: an environment, a home directory
/// and a working directory. [`ConfigSources::from_process`] reads the real
/// ones; tests build their own so they never mutate the process.
#[derive(Debug, Clone, Default)]
pub struct ConfigSources {
    env: BTreeMap<String, String>,
    home: Option<PathBuf>,
    cwd: Option<PathBuf>,
}

impl ConfigSources {
    /// No environment, no home, no working directory.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The process environment, `$HOME` (`%USERPROFILE%` on Windows) and the
    /// current directory.
    pub fn from_process() -> Self {
        let env: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = env
            .get("HOME")
            .or_else(|| env.get("USERPROFILE"))
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        let cwd = std::env::current_dir().ok();
        ConfigSources { env, home, cwd }
    }

    /// Sets one environment variable.
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(name.into(), value.into());
        self
    }

    /// Replaces the whole environment.
    pub fn envs<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }

    /// Sets the home directory (`~/.okta/okta.yaml` is read from it).
    pub fn home(mut self, dir: impl Into<PathBuf>) -> Self {
        self.home = Some(dir.into());
        self
    }

    /// Sets the working directory (`./.okta/okta.yaml` or `./okta.yaml`).
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }
}

impl ClientBuilder {
    /// A builder preloaded from `~/.okta/okta.yaml`, the project file and the
    /// process environment (the files with the `okta-yaml` feature; without
    /// it, a file that exists is reported by [`build`](ClientBuilder::build)).
    pub fn from_env() -> Self {
        Self::from_sources(&ConfigSources::from_process())
    }

    /// A builder preloaded from the given sources.
    pub fn from_sources(sources: &ConfigSources) -> Self {
        let mut problems = Vec::new();
        let mut settings = Settings::default();
        if let Some(home) = &sources.home {
            let path = home.join(".okta").join("okta.yaml");
            settings = settings.overlay(load_yaml_file(&path, &mut problems));
        }
        let mut project_settings = Settings::default();
        let mut project_path = None;
        if let Some(cwd) = &sources.cwd {
            let dotted = cwd.join(".okta").join("okta.yaml");
            let path = if dotted.is_file() {
                dotted
            } else {
                cwd.join("okta.yaml")
            };
            project_settings = load_yaml_file(&path, &mut problems);
            project_path = Some(path);
        }
        settings = settings.overlay(project_settings.clone());
        let env = load_env(&sources.env, &mut problems);
        let project = ProjectFile {
            path: project_path,
            org_url: project_settings.org_url.is_some() && env.org_url.is_none(),
            token: project_settings.token.is_some() && env.token.is_none(),
            private_key: project_settings.private_key.is_some() && env.private_key.is_none(),
        };
        let trust = match sources.env.get(TRUST_PROJECT_ORG_URL_ENV).map(|v| v.trim()) {
            None | Some("") => false,
            Some(v) => parse_bool(v).unwrap_or_else(|| {
                problems.push(format!(
                    "{TRUST_PROJECT_ORG_URL_ENV}={v:?} is not true or false{}",
                    setter_hint(TRUST_PROJECT_ORG_URL_ENV)
                ));
                false
            }),
        };
        settings = settings.overlay(env);
        ClientBuilder {
            loaded: settings,
            load_problems: problems,
            cwd: sources.cwd.clone(),
            project,
            trust_project_org_url: trust,
            ..Self::default()
        }
    }
}
