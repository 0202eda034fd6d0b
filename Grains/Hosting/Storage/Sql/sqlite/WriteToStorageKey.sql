-- As Sql/postgres/WriteToStorageKey.sql. SQLite has no data-modifying CTE, so the fallback row comes from a second
-- statement that returns the writer's version only when the upsert changed nothing (changes() = 0): one row in all.
INSERT INTO grain_state (service_id, state_name, grain_n0, grain_n1, grain_key, grain_id_hash, grain_type_hash, version, payload)
SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, COALESCE(@GrainIdExtensionString, ''), @GrainIdHash, @GrainTypeHash, 1, @PayloadBinary
WHERE @GrainStateVersion IS NULL OR EXISTS (
    SELECT 1 FROM grain_state
    WHERE service_id = @ServiceId AND state_name = @GrainTypeString
      AND grain_n0 = @GrainIdN0 AND grain_n1 = @GrainIdN1 AND grain_key = COALESCE(@GrainIdExtensionString, ''))
ON CONFLICT (service_id, state_name, grain_n0, grain_n1, grain_key) DO UPDATE
    SET version = version + 1, payload = excluded.payload, modified_utc = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE version = @GrainStateVersion
RETURNING version AS NewGrainStateVersion;
SELECT @GrainStateVersion AS NewGrainStateVersion WHERE changes() = 0;
