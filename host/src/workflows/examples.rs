//! Ready examples an administrator can start a workflow from (Settings →
//! Workflows → "Start from an example"): each fills the new-workflow form,
//! to be read, adjusted and saved. Their scripts compile against the
//! functions scripts may call (see the test below).

/// One example: what the list shows, and what the form is filled with.
pub struct Example {
    /// In the address of the form: `/settings/workflows/new?example={key}`.
    pub key: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub trigger: &'static str,
    pub condition: &'static str,
    pub script: &'static str,
    /// The email templates it sends, which must exist before it runs.
    pub templates: &'static [&'static str],
    /// A payload of its trigger's event, to try it with before any such
    /// event happened (empty for a schedule).
    pub sample: &'static str,
}

pub const EXAMPLES: [Example; 3] = [
    Example {
        key: "submitted",
        name: "Submitted: deadline and email",
        description: "When a case moves to the submitted stage, expect the decision in 90 days \
                      and tell the person responsible for the case (or the office).",
        trigger: "case.stage_changed",
        condition: r#"event.payload.to == "submitted""#,
        script: r#"// The decision is expected 90 days from today.
let due = add_days(today(), 90);
update(record, #{decision_on: due});

// Tell the person responsible for the case, or the office when nobody is.
let to = "office@example.com";
for p in people() {
    if p.id == record.responsible_user_id {
        to = p;
    }
}
send_email("case-submitted", to, #{
    folio: record.folio,
    decision_on: due,
    link: link(record)
});
"#,
        templates: &["case-submitted"],
        sample: r#"{"id": "", "folio": "CAS001", "from": "preparation", "to": "submitted"}"#,
    },
    Example {
        key: "urgent-ticket",
        name: "Urgent technical ticket: tell the IT lead",
        description: "When an urgent ticket about technical support is filed in the helpdesk, \
                      email the IT lead at once.",
        trigger: "helpdesk.ticket.created",
        condition: r#"event.payload.priority == "urgent" && event.payload.category == "technical_support""#,
        script: r#"let ticket = event.payload;
send_email("urgent-ticket", "it-lead@example.com", #{
    folio: ticket.folio,
    subject: ticket.subject,
    description: ticket.description
});
log(`ticket ${ticket.folio} sent to the IT lead`);
"#,
        templates: &["urgent-ticket"],
        sample: r#"{"folio": "T-1", "subject": "The server is down", "description": "Nothing loads since 9:00",
  "priority": "urgent", "category": "technical_support"}"#,
    },
    Example {
        key: "idle-cases",
        name: "Monday: idle cases to each consultant",
        description: "Every Monday at 8:00, email each person the open cases they are \
                      responsible for that nobody changed for 30 days or more.",
        trigger: "0 8 * * MON",
        condition: "",
        script: r#"for p in people() {
    let list = "";
    let count = 0;
    for c in cases(#{status: "open", responsible: p.id}) {
        if days_between(c.updated_at, today()) >= 30 {
            list += `${c.folio}: ${link(c)}` + "\n";
            count += 1;
        }
    }
    if count > 0 {
        send_email("idle-cases", p, #{name: p.name, count: count, cases: list});
        log(`${p.name}: ${count} idle cases`);
    }
}
"#,
        templates: &["idle-cases"],
        sample: "",
    },
];

/// The example of `key`.
pub fn find(key: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.key == key)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::WorkflowLimits;
    use crate::workflows::{dates, run, sandbox, script};

    #[test]
    fn every_example_compiles_and_calls_only_what_exists() {
        let mut engine = sandbox::engine(&WorkflowLimits::default(), None);
        dates::register(&mut engine, Arc::new(|| 0), jiff::tz::TimeZone::UTC);
        script::register(&mut engine, None);
        for e in &EXAMPLES {
            if !e.condition.is_empty() {
                sandbox::compile(&engine, "condition", e.condition, &run::VARIABLES)
                    .unwrap_or_else(|p| panic!("{}: {p}", e.key));
            }
            sandbox::compile(&engine, "script", e.script, &run::VARIABLES)
                .unwrap_or_else(|p| panic!("{}: {p}", e.key));
            assert!(find(e.key).is_some());
            if !e.sample.is_empty() {
                let sample: serde_json::Value =
                    serde_json::from_str(e.sample).unwrap_or_else(|err| panic!("{}: {err}", e.key));
                assert!(sample.is_object(), "{}", e.key);
            }
        }
    }
}
