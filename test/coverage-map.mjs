// tap coverage map: the entry-point test spawns a real server process whose coverage cannot be merged
// with the suite's (it runs through tsx, not tap's loader), so that test contributes no coverage.
export default function coverageMap (testFile) {
  return testFile.replace(/\\/g, '/').endsWith('test/server.test.ts') ? null : []
}
