'use strict';

// require('ward/harness'): the page harness (lib/harness.js); see README.md, "Testing frontends".
module.exports = require('./lib/harness');
