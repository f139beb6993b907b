-- External CRMs (docs/crm.md): which CRM record each Leadflow key became, and where each lead
-- stands in each configured CRM.

-- Leadflow's own external-id map. A row with no external_id is a create that was started and whose
-- answer is not known yet: the next attempt asks the CRM before creating again.
CREATE TABLE crm_ids (
    crm         text        NOT NULL,
    kind        text        NOT NULL, -- contact | lead | note | task | person | organization …
    key         text        NOT NULL, -- Leadflow's id of the record
    external_id text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (crm, kind, key)
);
-- Webhooks find the lead a CRM record belongs to.
CREATE INDEX crm_ids_external ON crm_ids (crm, kind, external_id);

-- Lead.crm: the lead's records in each external CRM and how its last sync went. error holds an
-- error class and code only, never the CRM's text.
CREATE TABLE lead_crm (
    lead_id     text        NOT NULL REFERENCES leads (lead_id) ON DELETE CASCADE,
    crm         text        NOT NULL,
    state       text        NOT NULL, -- synced | retrying | failed | review
    contact_ref text,
    lead_ref    text,
    note_ref    text,
    task_ref    text,
    stage       text,
    error       text,
    synced_at   timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (lead_id, crm)
);

-- Notes on a lead in the built-in CRM, once per key (the conversation summary and its link).
CREATE TABLE lead_notes (
    note_key   text PRIMARY KEY,
    lead_id    text        NOT NULL REFERENCES leads (lead_id) ON DELETE CASCADE,
    body       text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX lead_notes_lead ON lead_notes (lead_id);

-- How far the gateway has read each polled CRM's changes (Salesforce): the next poll asks for
-- what changed after it.
CREATE TABLE crm_poll_marks (
    crm        text PRIMARY KEY,
    since      timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
