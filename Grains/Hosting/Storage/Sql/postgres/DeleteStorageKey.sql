-- Removes the row (DeleteStateOnClear, the setting this project uses: cleared state leaves nothing behind). Returns the
-- deleted version + 1, or the writer's version on a conflict.
WITH deleted AS (
    DELETE FROM grain_state
    WHERE service_id = @ServiceId AND state_name = @GrainTypeString
      AND grain_n0 = @GrainIdN0 AND grain_n1 = @GrainIdN1 AND grain_key = COALESCE(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion
    RETURNING version + 1 AS next
)
SELECT COALESCE((SELECT next FROM deleted), @GrainStateVersion) AS "Version"
