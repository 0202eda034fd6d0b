-- Keeps the row with no payload and the next version (used when DeleteStateOnClear is off).
WITH cleared AS (
    UPDATE grain_state SET payload = NULL, version = version + 1, modified_utc = now()
    WHERE service_id = @ServiceId AND state_name = @GrainTypeString
      AND grain_n0 = @GrainIdN0 AND grain_n1 = @GrainIdN1 AND grain_key = COALESCE(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion
    RETURNING version
)
SELECT COALESCE((SELECT version FROM cleared), @GrainStateVersion) AS "Version"
