-- The built-in CRM and Leadflow's own records. Personal data lives only in contacts,
-- contact_identities, leads.fields and transcript_messages, so erasure knows where to look.

CREATE TABLE api_keys (
    key_id      text PRIMARY KEY,
    name        text        NOT NULL,
    key_hash    bytea       NOT NULL UNIQUE, -- sha256 of the key; the key itself is never stored
    scopes      text[]      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

CREATE TABLE teams (
    team_id        text PRIMARY KEY,
    name           text        NOT NULL,
    languages      text[]      NOT NULL DEFAULT '{}', -- empty = any
    countries      text[]      NOT NULL DEFAULT '{}',
    products       text[]      NOT NULL DEFAULT '{}',
    priority       integer     NOT NULL DEFAULT 0,
    manager_rep_id text,
    last_rep_id    text,       -- round-robin cursor: the rep who got the team's latest lead
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reps (
    rep_id         text PRIMARY KEY,
    team_id        text        NOT NULL REFERENCES teams (team_id),
    name           text        NOT NULL,
    email          text,
    languages      text[]      NOT NULL DEFAULT '{}',
    max_open_leads integer     NOT NULL DEFAULT 25 CHECK (max_open_leads >= 0),
    on_call        boolean     NOT NULL DEFAULT false,
    active         boolean     NOT NULL DEFAULT true,
    timezone       text        NOT NULL DEFAULT 'UTC',
    working_hours  jsonb       NOT NULL DEFAULT '{}',
    notify         jsonb       NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reps_team ON reps (team_id, rep_id);

CREATE TABLE contacts (
    contact_id text PRIMARY KEY,
    full_name  text,
    phone      text,
    email      text,
    company    text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per normalised identity key; the primary key is what makes two concurrent conversations
-- of one person end on one contact.
CREATE TABLE contact_identities (
    kind       text        NOT NULL, -- phone (E.164) | email (lower-case)
    value      text        NOT NULL,
    contact_id text        NOT NULL REFERENCES contacts (contact_id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, value)
);
CREATE INDEX contact_identities_contact ON contact_identities (contact_id);

-- The match decision is stored per lead so a retried Match returns the first decision.
CREATE TABLE lead_matches (
    lead_id        text PRIMARY KEY,
    contact_id     text        NOT NULL REFERENCES contacts (contact_id),
    is_new_contact boolean     NOT NULL,
    decision       text        NOT NULL,
    matched_by     text[]      NOT NULL DEFAULT '{}',
    score          double precision NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Written by Route in the transaction that checks capacity; released when the lead closes.
CREATE TABLE lead_assignments (
    lead_id     text PRIMARY KEY,
    team_id     text        NOT NULL REFERENCES teams (team_id),
    rep_id      text        NOT NULL REFERENCES reps (rep_id),
    rule        text        NOT NULL,
    skipped     jsonb       NOT NULL DEFAULT '[]',
    assigned_at timestamptz NOT NULL DEFAULT now(),
    released_at timestamptz
);
CREATE INDEX lead_assignments_open ON lead_assignments (rep_id) WHERE released_at IS NULL;

CREATE TABLE leads (
    lead_id         text PRIMARY KEY,
    conversation_id text        NOT NULL UNIQUE,
    workflow_id     text        NOT NULL,
    contact_id      text        NOT NULL REFERENCES contacts (contact_id),
    status          text        NOT NULL,
    channel         text        NOT NULL,
    score           integer     NOT NULL,
    tier            text        NOT NULL,
    intent          text,
    language        text,
    team_id         text,
    rep_id          text,
    fields          jsonb       NOT NULL,
    score_breakdown jsonb       NOT NULL DEFAULT '[]',
    sla             jsonb       NOT NULL DEFAULT '{}',
    timings         jsonb       NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leads_list ON leads (created_at DESC, lead_id DESC);
CREATE INDEX leads_rep ON leads (rep_id, created_at DESC);
CREATE INDEX leads_team ON leads (team_id, created_at DESC);
CREATE INDEX leads_contact ON leads (contact_id);

CREATE TABLE transcript_messages (
    conversation_id text        NOT NULL,
    message_id      text        NOT NULL,
    role            text        NOT NULL,
    channel         text        NOT NULL,
    text            text        NOT NULL,
    sent_at         timestamptz,
    PRIMARY KEY (conversation_id, message_id)
);

-- Follow-ups: the rep's call tasks and other scheduled promises.
CREATE TABLE tasks (
    task_id    text PRIMARY KEY,
    lead_id    text        NOT NULL REFERENCES leads (lead_id) ON DELETE CASCADE,
    rep_id     text,
    kind       text        NOT NULL,
    due_at     timestamptz NOT NULL,
    status     text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_lead ON tasks (lead_id, due_at);

CREATE TABLE outcomes (
    lead_id         text        NOT NULL REFERENCES leads (lead_id) ON DELETE CASCADE,
    idempotency_key text        NOT NULL,
    outcome         text        NOT NULL,
    rep_id          text        NOT NULL,
    note            text,
    amount          double precision,
    reason          text,
    snooze_until    timestamptz,
    at              timestamptz NOT NULL,
    PRIMARY KEY (lead_id, idempotency_key)
);
CREATE INDEX outcomes_lead ON outcomes (lead_id, at);

-- The rep's inbox: what Leadflow told whom, and whether a webhook took it.
CREATE TABLE notifications (
    notification_id text PRIMARY KEY,
    lead_id         text        NOT NULL,
    rep_id          text        NOT NULL,
    kind            text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz
);

-- Who did what to which record. Never holds personal data: ids and enums only.
CREATE TABLE audit_log (
    audit_id     bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor        text        NOT NULL,
    action       text        NOT NULL,
    subject_kind text        NOT NULL,
    subject_id   text        NOT NULL,
    detail       jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subject ON audit_log (subject_kind, subject_id, at);
