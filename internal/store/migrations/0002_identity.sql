-- Identity resolution (docs/matching.md): keys describe people, a score decides.

-- Several contacts may hold one key (an office line, an info@ mailbox), so the key no longer
-- decides alone. One person's concurrent conversations are serialised by advisory locks on their
-- identifying keys instead of by a unique key.
ALTER TABLE contact_identities DROP CONSTRAINT contact_identities_pkey;
ALTER TABLE contact_identities ADD PRIMARY KEY (kind, value, contact_id);
-- kind: phone | email | gmail | whatsapp | telegram | web | email_sender | api (identifying),
--       name | company | domain (describing; compared, never decisive)

-- similarity() on names when blocking by company or e-mail domain.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE contacts ADD COLUMN merged_into text REFERENCES contacts (contact_id);
ALTER TABLE contacts ADD COLUMN erased_at timestamptz;

-- Every value a lead said about its contact, kept when it loses: the contact's current value is
-- the best of them by the survivorship rule (channel-proven > higher confidence > newer).
CREATE TABLE contact_field_values (
    contact_id  text             NOT NULL REFERENCES contacts (contact_id),
    field       text             NOT NULL, -- full_name | phone | email | company | job_title
    value       text             NOT NULL,
    confidence  double precision NOT NULL,
    source      text             NOT NULL, -- channel | rules | llm
    lead_id     text             NOT NULL,
    observed_at timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (contact_id, field, value, lead_id)
);

-- Possible duplicates for a human: the lead's new contact and the existing one it resembles.
CREATE TABLE contact_reviews (
    review_id    text PRIMARY KEY,
    contact_id   text             NOT NULL REFERENCES contacts (contact_id),
    candidate_id text             NOT NULL REFERENCES contacts (contact_id),
    lead_id      text             NOT NULL,
    score        double precision NOT NULL,
    weight       double precision NOT NULL,
    matched_by   text[]           NOT NULL DEFAULT '{}',
    status       text             NOT NULL DEFAULT 'pending', -- pending | merged | not_duplicate | erased
    created_at   timestamptz      NOT NULL DEFAULT now(),
    resolved_at  timestamptz,
    resolved_by  text,
    UNIQUE (contact_id, candidate_id)
);
CREATE INDEX contact_reviews_pending ON contact_reviews (created_at, review_id) WHERE status = 'pending';
CREATE INDEX contact_reviews_candidate ON contact_reviews (candidate_id);
