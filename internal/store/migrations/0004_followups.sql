-- Promises kept (docs/followups.md): follow-up sequences, customer messages under consent and
-- channel rules, and notifications delivered once per channel.

-- A follow-up step is a task: the rep's call task, a reminder, a message to the customer. The
-- workflow owns the schedule and writes every step's state here, so Lead.followups shows it.
ALTER TABLE tasks ADD COLUMN sequence text;
ALTER TABLE tasks ADD COLUMN channel text;
-- Why a step was cancelled or not sent (contacted, opted_out, budget, no_channel…): an enum, never text.
ALTER TABLE tasks ADD COLUMN reason text;

-- Every message sent to a customer, one row per step: the key makes a retried send a no-op, and
-- the rows count against the lead's message budget. Ids and enums only: the text is rendered from
-- the policy's template at send time and not kept.
CREATE TABLE customer_messages (
    message_key text PRIMARY KEY,
    lead_id     text        NOT NULL REFERENCES leads (lead_id) ON DELETE CASCADE,
    contact_id  text        NOT NULL,
    channel     text        NOT NULL,
    template    text        NOT NULL,
    mode        text        NOT NULL, -- free_form | template (WhatsApp outside its 24-hour window)
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX customer_messages_lead ON customer_messages (lead_id);

-- An opt-out is the person's, for good: every later lead of the contact is silent too.
ALTER TABLE contacts ADD COLUMN opted_out_at timestamptz;

-- A notification goes out on each of the rep's channels once: a retry skips the channels that
-- already took it.
CREATE TABLE notification_deliveries (
    notification_id text        NOT NULL,
    channel         text        NOT NULL,
    delivered_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (notification_id, channel)
);
