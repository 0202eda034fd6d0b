-- A first write (no version) inserts version 1; a later write replaces the row only if it still holds the writer's
-- version, and bumps it. Exactly one row comes back: the new version, or on a conflict the writer's own version (NULL
-- for a first write), which the provider reports as an InconsistentStateException.
WITH written AS (
    INSERT INTO grain_state AS s (service_id, state_name, grain_n0, grain_n1, grain_key, grain_id_hash, grain_type_hash, version, payload)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, COALESCE(@GrainIdExtensionString, ''), @GrainIdHash, @GrainTypeHash, 1, @PayloadBinary
    -- With a version the row must exist: a row deleted underneath is a conflict, not a fresh insert.
    WHERE @GrainStateVersion IS NULL OR EXISTS (
        SELECT 1 FROM grain_state e
        WHERE e.service_id = @ServiceId AND e.state_name = @GrainTypeString
          AND e.grain_n0 = @GrainIdN0 AND e.grain_n1 = @GrainIdN1 AND e.grain_key = COALESCE(@GrainIdExtensionString, ''))
    ON CONFLICT ON CONSTRAINT grain_state_identity DO UPDATE
        SET version = s.version + 1, payload = EXCLUDED.payload, modified_utc = now()
        WHERE s.version = @GrainStateVersion
    RETURNING s.version
)
SELECT COALESCE((SELECT version FROM written), @GrainStateVersion) AS "NewGrainStateVersion"
