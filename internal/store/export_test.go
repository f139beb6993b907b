package store

// OneRoundTrip is oneRoundTrip, for the tests in store_test.
var OneRoundTrip = oneRoundTrip
