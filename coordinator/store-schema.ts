/**
 * The coordinator's SQLite schema. Jobs, units, leases and results are the durable truth;
 * the scheduler's in-memory indexes are rebuilt from them on start.
 */
export const SCHEMA_VERSION = 3

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'completed', 'failed', 'cancelled')),
  units_total INTEGER NOT NULL,
  units_accepted INTEGER NOT NULL DEFAULT 0,
  units_failed INTEGER NOT NULL DEFAULT 0,
  results_received INTEGER NOT NULL DEFAULT 0,
  submitter TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  finished_ms INTEGER,
  error TEXT,
  result_json TEXT,
  result_file_name TEXT,
  result_media_type TEXT,
  result_file BLOB
);
-- Status lists the newest jobs; without this it would sort every job ever submitted.
CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_ms, id);
-- Running jobs are few among all jobs ever run: found without a scan (start, submit, dashboard
-- sweep); and the dashboard's totals per state are read from this index alone, not the rows.
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, units_total, units_accepted, units_failed);

CREATE TABLE IF NOT EXISTS units (
  job_id TEXT NOT NULL REFERENCES jobs(id),
  idx INTEGER NOT NULL,
  payload_json TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('waiting', 'leased', 'reported', 'accepted', 'failed', 'cancelled')),
  digest TEXT,
  output BLOB,
  accepted_ms INTEGER,
  -- What the accepted output is worth, in reference core-seconds (jobs/credit.ts).
  credit REAL,
  PRIMARY KEY (job_id, idx)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS leases (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  peer TEXT NOT NULL,
  issued_ms INTEGER NOT NULL,
  deadline_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'returned', 'expired', 'released', 'cancelled')),
  -- 1: a spot-check, a unit whose answer is already known, sent to test the peer
  spot INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS leases_active ON leases (state) WHERE state = 'active';
CREATE INDEX IF NOT EXISTS leases_unit ON leases (job_id, idx);

CREATE TABLE IF NOT EXISTS results (
  lease_id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  peer TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'invalid', 'error', 'timeout', 'out-of-memory')),
  digest TEXT,
  output BLOB,
  counted INTEGER NOT NULL,
  cpu_ms INTEGER NOT NULL,
  received_ms INTEGER NOT NULL,
  -- Credit this result earned: its unit's credit once accepted with this result's answer.
  credit REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS results_unit ON results (job_id, idx);
CREATE INDEX IF NOT EXISTS results_peer ON results (peer);

-- Append-only audit of unit verdicts: proves each unit was accepted exactly once.
CREATE TABLE IF NOT EXISTS unit_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  event TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS peers (
  id TEXT PRIMARY KEY,
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  address TEXT,
  valid INTEGER NOT NULL DEFAULT 0,
  invalid INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  timeouts INTEGER NOT NULL DEFAULT 0,
  spot_passed INTEGER NOT NULL DEFAULT 0,
  spot_failed INTEGER NOT NULL DEFAULT 0,
  score REAL NOT NULL DEFAULT 0.5,
  state TEXT NOT NULL DEFAULT 'probation' CHECK (state IN ('probation', 'trusted', 'banned')),
  -- Sum of results.credit of this peer: granted on acceptance, taken back when a unit re-opens.
  credit REAL NOT NULL DEFAULT 0
);

-- Every reputation change, for the history chart and for audits.
CREATE TABLE IF NOT EXISTS peer_history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  peer TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  event TEXT NOT NULL,
  score REAL NOT NULL,
  state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS peer_history_peer ON peer_history (peer, seq);

-- Pairs of peers that agreed on an answer proven wrong: their votes are never independent again.
CREATE TABLE IF NOT EXISTS collusions (a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b)) WITHOUT ROWID;
`

/**
 * What brings a database of an older version up to SCHEMA_VERSION, by the version it starts
 * from; each step runs in one transaction with the version bump.
 */
export const MIGRATIONS: Readonly<Record<number, string>> = {
  2: `ALTER TABLE units ADD COLUMN credit REAL;
      ALTER TABLE results ADD COLUMN credit REAL NOT NULL DEFAULT 0;
      ALTER TABLE peers ADD COLUMN credit REAL NOT NULL DEFAULT 0;`
}
