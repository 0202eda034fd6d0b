UPDATE grain_state SET payload = NULL, version = version + 1, modified_utc = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE service_id = @ServiceId AND state_name = @GrainTypeString
  AND grain_n0 = @GrainIdN0 AND grain_n1 = @GrainIdN1 AND grain_key = COALESCE(@GrainIdExtensionString, '')
  AND version = @GrainStateVersion
RETURNING version AS Version;
SELECT @GrainStateVersion AS Version WHERE changes() = 0;
