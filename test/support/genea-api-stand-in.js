'use strict';
// The tests' stand-in for Genea's REST API is the package's practice Genea (src/practice/practice-genea.ts, built
// to nodes/practice/): one implementation for users and tests. This name is kept for the tests that require it.
const { PracticeGenea, door } = require('../../nodes/practice/practice-genea');

module.exports = { GeneaApiStandIn: PracticeGenea, door };
