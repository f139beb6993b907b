-- The matcher's company block (candidatesSQL) reads the name of every contact at the probe's company
-- or mail domain, one contact at a time. With only the primary key (kind, value, contact_id) and an
-- index on contact_id, a planner with young statistics (a new deployment, or `make bench`, whose
-- tables grow from empty) walked every stored name in the primary key for each colleague: the cost
-- grew with the company's size times the number of contacts. An index on (contact_id, kind) that
-- carries the value makes each colleague's name one probe, whatever the statistics say
-- (docs/matching-at-scale.md). It serves every lookup by contact_id as well, so the index on
-- contact_id alone goes: one index fewer to write per key.
--
-- Building it blocks writes to contact_identities while it runs: about 10 s per million contacts on
-- the reference machine. Apply it in a quiet hour on a large deployment.
CREATE INDEX contact_identities_contact_kind ON contact_identities (contact_id, kind) INCLUDE (value);
DROP INDEX contact_identities_contact;
