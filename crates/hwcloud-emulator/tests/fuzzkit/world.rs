//! What the fuzzer knows about the emulator's state: the objects each project created (so
//! that later requests use real ids: stateful sequences), which project owns every id (for
//! the cross-project checks), and each project's sentinels — objects only the *other* project
//! ever names, whose answers must never change.

use std::collections::HashMap;

use fastrand::Rng;
use serde_json::Value;

/// Kinds of objects named in paths and bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    DcsTask,
    Job,
    Instance,
    Backup,
    SmsTask,
    Source,
    /// DCS online tasks as created (to configure).
    NewOnline,
    /// DCS online tasks configured for an incremental migration between two registered
    /// instances (to switch IPs, update, stop).
    Incremental,
    /// DCS tasks whose IP switch was accepted (to roll back).
    Exchanged,
}

impl Kind {
    /// Whether a request body may name an object of this kind as a reference, which the
    /// emulator keeps and echoes as given (instances, backups, source servers).
    pub fn is_reference(self) -> bool {
        matches!(self, Kind::Instance | Kind::Backup | Kind::Source)
    }

    /// The kind a path parameter names (`task_id` depends on the service).
    pub fn of_param(name: &str, dcs: bool) -> Option<Kind> {
        Some(match name {
            "task_id" if dcs => Kind::DcsTask,
            "task_id" => Kind::SmsTask,
            "job_id" => Kind::Job,
            "instance_id" => Kind::Instance,
            "source_id" => Kind::Source,
            _ => return None,
        })
    }
}

/// A project's object that only the other project names; `path` reads it, `seen` is the
/// answer when the run started.
#[derive(Debug, Clone)]
pub struct Sentinel {
    pub kind: Kind,
    pub id: String,
    pub path: String,
    pub seen: Value,
}

/// The objects of one project.
#[derive(Debug, Default, Clone)]
pub struct Project {
    pools: HashMap<Kind, Vec<String>>,
    pub sentinels: Vec<Sentinel>,
}

/// Shared by the workers (behind a mutex).
#[derive(Debug, Default, Clone)]
pub struct World {
    pub projects: [Project; 2],
    /// Owner (project index) of every id the fuzzer has seen created.
    pub owner: HashMap<String, usize>,
    /// Other projects' ids each project has itself put in a request body: the emulator
    /// keeps a referenced instance or source server id as given (it checks no ownership of
    /// a reference), so echoing it back to the project that sent it reveals nothing.
    pub mentioned: [std::collections::HashSet<String>; 2],
    /// Ids of the kinds a body may reference and an answer may echo (instances, backups,
    /// source servers); task and job ids are never among them.
    pub references: std::collections::HashSet<String>,
}

/// Largest pool per kind; older ids drop out (still owned, so still checked).
const POOL: usize = 64;

impl World {
    /// Records a new object of `project`.
    pub fn add(&mut self, project: usize, kind: Kind, id: &str) {
        self.owner.insert(id.to_owned(), project);
        if kind.is_reference() {
            self.references.insert(id.to_owned());
        }
        let pool = self.projects[project].pools.entry(kind).or_default();
        if !pool.iter().any(|x| x == id) {
            pool.push(id.to_owned());
            if pool.len() > POOL {
                pool.remove(0);
            }
        }
    }

    /// Records a sentinel (owned by `project`, never in its own pools).
    pub fn add_sentinel(&mut self, project: usize, s: Sentinel) {
        self.owner.insert(s.id.clone(), project);
        if s.kind.is_reference() {
            self.references.insert(s.id.clone());
        }
        self.projects[project].sentinels.push(s);
    }

    /// Forgets deleted ids from the pools (ownership stays).
    pub fn remove(&mut self, project: usize, id: &str) {
        for pool in self.projects[project].pools.values_mut() {
            pool.retain(|x| x != id);
        }
    }

    /// The pool that fits operation `op` best when it names a task: the next step of a
    /// lifecycle (configure a new online task, switch an incremental one, roll back a switch).
    pub fn step_for(op: &str) -> Option<Kind> {
        Some(match op {
            "SetOnlineMigrationTask" => Kind::NewOnline,
            "ExchangeInstanceIp" | "UpdateMigrationTask" | "ShowMigrationTaskStats" => {
                Kind::Incremental
            }
            "RollbackExchangeInstanceIp" => Kind::Exchanged,
            _ => return None,
        })
    }

    /// A known id of `kind` of `project`, most often a recent one.
    pub fn pick(&self, project: usize, kind: Kind, rng: &mut Rng) -> Option<String> {
        let pool = self.projects[project].pools.get(&kind)?;
        if pool.is_empty() {
            return None;
        }
        let recent = pool.len().min(8);
        let i = if rng.bool() {
            pool.len() - 1 - rng.usize(..recent)
        } else {
            rng.usize(..pool.len())
        };
        Some(pool[i].clone())
    }

    /// A sentinel id of `kind` owned by `project`.
    pub fn sentinel(&self, project: usize, kind: Kind, rng: &mut Rng) -> Option<String> {
        let s: Vec<&Sentinel> = self.projects[project]
            .sentinels
            .iter()
            .filter(|s| s.kind == kind)
            .collect();
        (!s.is_empty()).then(|| s[rng.usize(..s.len())].id.clone())
    }

    /// Ids owned by a project other than `project`, found anywhere in `v`.
    pub fn foreign_ids_in(&self, project: usize, v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s)
                if self.owner.get(s).is_some_and(|p| *p != project)
                    && !self.mentioned[project].contains(s) =>
            {
                out.push(s.clone());
            }
            Value::Array(a) => a.iter().for_each(|x| self.foreign_ids_in(project, x, out)),
            Value::Object(m) => m
                .values()
                .for_each(|x| self.foreign_ids_in(project, x, out)),
            _ => {}
        }
    }
}
