//! Method synthesis: a message a running object does not understand, sent with the admin
//! token, asks the synthesiser (`crate::synth`) for the method and evolves the module to the
//! source with that method spliced in. Invariant: nothing is installed unless the new source
//! passes the same check, staging, swap and file write as an evolve.

use super::{error_reply, Actor};
use crate::synth;
use crate::Reply;
use aura_interp::Value;
use serde_json::Value as Json;

impl Actor {
    /// Asks the synthesiser for `method`, splices its answer into `object`'s definition and
    /// evolves the module to that source: the same check, staging, swap and file write as
    /// `POST /api/evolve_plugin`. Nothing is installed unless all of that succeeds.
    pub(super) fn synthesize(
        &mut self,
        name: &str,
        object: &str,
        method: &str,
        args: &[Json],
    ) -> Result<(), Reply> {
        let (Some(synthesizer), Some(module)) = (&self.synthesizer, self.modules.get(name)) else {
            return Ok(());
        };
        let slots: Vec<String> = match module.instance.get_global(object) {
            Some(Value::Object(o)) => o.own_slots().into_iter().map(|(k, _)| k).collect(),
            _ => Vec::new(),
        };
        let request = synth::request(name, object, method, args, &slots, &module.source);
        let dnu = |why: String| {
            error_reply(
                500,
                "does not understand",
                format!("`{object}` does not understand `{method}`; {why}"),
            )
        };
        let answer = synthesizer
            .ask(&request)
            .map_err(|e| dnu(format!("no method from the synthesiser: {e}")))?;
        // The synthesiser's wait (bounded by its own timeout) is not the job's Aura time.
        aura_interp::set_deadline(Some(std::time::Instant::now() + self.deadline));
        let source = synth::splice(&module.source, object, method, &answer).map_err(|e| {
            let mut reply = dnu(format!("the synthesised method was not installed: {e}"));
            reply.body["method_source"] = Json::String(answer.clone());
            reply
        })?;
        let reply = self.stage_and_swap(name, &source, true);
        if reply.status != 200 {
            eprintln!("aura serve: rejected a synthesised {object}.{method}");
            let mut body = reply.body;
            body["message"] = Json::String(format!(
                "the synthesised method `{object}.{method}` did not pass the check; nothing was \
                 installed: {}",
                body["message"].as_str().unwrap_or_default()
            ));
            body["method_source"] = Json::String(answer);
            return Err(Reply {
                status: reply.status,
                body,
            });
        }
        eprintln!("aura serve: synthesised {object}.{method}");
        Ok(())
    }
}
