//! "did you mean ...?": the rule is shared with the backends' run-time suggestions.

pub use aura_facts::suggest::closest;
