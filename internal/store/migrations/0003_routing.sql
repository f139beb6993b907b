-- Policy routing (docs/routing.md): weighted round-robin by rotation credit, availability, overflow,
-- and the score history with the policy version that made each score.

-- A rep's share of the round-robin and their place in it. The credit replaces the team's
-- last_rep_id cursor: a cursor cannot weigh reps, and it gave a returning rep their turn at once.
ALTER TABLE reps ADD COLUMN weight integer NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 100);
ALTER TABLE reps ADD COLUMN rotation_credit bigint NOT NULL DEFAULT 0;
ALTER TABLE reps ADD COLUMN out_of_office_until timestamptz;
ALTER TABLE teams DROP COLUMN last_rep_id;
-- What happens when nobody in the team can take a lead: next_team | team (team_id) | queue.
ALTER TABLE teams ADD COLUMN overflow jsonb NOT NULL DEFAULT '{"to": "next_team"}';

-- The rotation before and after each round-robin decision, the credit the rep gave back for the
-- lead (returned to them if the lead is taken away), and the policy that decided.
ALTER TABLE lead_assignments ADD COLUMN rotation jsonb;
ALTER TABLE lead_assignments ADD COLUMN charge bigint NOT NULL DEFAULT 0;
ALTER TABLE lead_assignments ADD COLUMN policy_version text;
ALTER TABLE lead_assignments ADD COLUMN reassigned_from text;
ALTER TABLE leads ADD COLUMN policy_version text;
-- The country the lead was routed by (the visit's, else the one the customer gave): reassignment
-- and the policy replay route it again by the same facts.
ALTER TABLE leads ADD COLUMN country text;
-- What the score weighed beside the fields (events, counts from the customer's words, silences).
ALTER TABLE leads ADD COLUMN score_context jsonb NOT NULL DEFAULT '{}';

-- Every change of a lead's score or tier, with the policy version and the signals that counted.
CREATE TABLE lead_scores (
    lead_id         text        NOT NULL,
    seq             integer     NOT NULL,
    score           integer     NOT NULL,
    tier            text        NOT NULL,
    policy_version  text        NOT NULL,
    score_breakdown jsonb       NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (lead_id, seq)
);
