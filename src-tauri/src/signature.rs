//! What the boundary says about each command, for the TypeScript bindings: its [`Signature`] (recorded by the
//! `commands!` macro in `commands`) and the [`Exporter`] that writes the declarations of the types it names
//! (`bindings` turns both into `ui/src/bindings/`). Kept apart so that `commands` and `bindings` each depend on this
//! and not on each other.

use std::any::TypeId;
use std::collections::HashSet;
use std::path::Path;

use ts_rs::{ExportError, TypeVisitor, TS};

/// One command's TypeScript-facing signature: its name, its arguments' and its result's TypeScript types.
pub struct Signature {
    pub name: &'static str,
    pub doc: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub result: String,
    /// Writes the declarations of every named type the command uses into a directory.
    pub export: fn(&Path) -> Result<(), ExportError>,
}

/// Collects the declarations of a command's types (and what they depend on) into a directory.
pub struct Exporter<'a> {
    dir: &'a Path,
    seen: HashSet<TypeId>,
    error: Option<ExportError>,
}

impl<'a> Exporter<'a> {
    pub fn new(dir: &'a Path) -> Self {
        Exporter {
            dir,
            seen: HashSet::new(),
            error: None,
        }
    }

    /// The type itself when it is named (a struct or enum), and every named type inside it (`Vec<T>`, `Option<T>`).
    pub fn root<T: TS + 'static + ?Sized>(&mut self) {
        self.visit::<T>();
        T::visit_dependencies(self);
        T::visit_generics(self);
    }

    pub fn finish(self) -> Result<(), ExportError> {
        self.error.map_or(Ok(()), Err)
    }
}

impl TypeVisitor for Exporter<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if self.error.is_some()
            || T::output_path().is_none()
            || !self.seen.insert(TypeId::of::<T>())
        {
            return;
        }
        self.error = T::export_all_to(self.dir).err();
    }
}
