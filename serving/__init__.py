"""What users touch, in rooms: `cli/` (the console command, one module per stage group), `api/`
(the BentoML shell: service, request and answer schemas, auth, audit), `workspace/` (what the
service does, without HTTP), `ui/` (the review workspace's pages), `store/` (the database and
its migrations), `scheduling/` (pure planning) and `batch/` (the nightly scoring run and the
files it writes for people). `serving` may import `training` and `features`, never the reverse.
"""
