package store

// OneRoundTrip is oneRoundTrip, for the tests in store_test.
var OneRoundTrip = oneRoundTrip

// StatementCache is statementCache, and MaxPreparedStatements maxPreparedStatements, for the
// tests in store_test.
var StatementCache = statementCache

const MaxPreparedStatements = maxPreparedStatements
