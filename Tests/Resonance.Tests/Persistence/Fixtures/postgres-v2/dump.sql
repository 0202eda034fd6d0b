--
-- PostgreSQL database dump
--

\restrict T3d4a6e6in0ebO1f2Ie7hmujqj2Ov5upH5a7wRhWHc5BEgakLabhnplUHjrg9bJ

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: postgis; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public;


--
-- Name: EXTENSION postgis; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION postgis IS 'PostGIS geometry and geography spatial types and functions';


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: consciousness_event_ids; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.consciousness_event_ids (
    id uuid NOT NULL,
    "timestamp" timestamp with time zone NOT NULL
);


--
-- Name: consciousness_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.consciousness_events (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    space text NOT NULL,
    event_type character varying(50) NOT NULL,
    event_data jsonb NOT NULL,
    "position" public.geometry(Point),
    resonance double precision,
    "timestamp" timestamp with time zone NOT NULL
)
PARTITION BY RANGE ("timestamp");


--
-- Name: consciousness_events_p20261202; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.consciousness_events_p20261202 (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    space text NOT NULL,
    event_type character varying(50) NOT NULL,
    event_data jsonb NOT NULL,
    "position" public.geometry(Point),
    resonance double precision,
    "timestamp" timestamp with time zone NOT NULL
);


--
-- Name: consciousness_events_p20261203; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.consciousness_events_p20261203 (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    space text NOT NULL,
    event_type character varying(50) NOT NULL,
    event_data jsonb NOT NULL,
    "position" public.geometry(Point),
    resonance double precision,
    "timestamp" timestamp with time zone NOT NULL
);


--
-- Name: consciousness_events_p20261204; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.consciousness_events_p20261204 (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    space text NOT NULL,
    event_type character varying(50) NOT NULL,
    event_data jsonb NOT NULL,
    "position" public.geometry(Point),
    resonance double precision,
    "timestamp" timestamp with time zone NOT NULL
);


--
-- Name: consciousness_events_p20261205; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.consciousness_events_p20261205 (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    space text NOT NULL,
    event_type character varying(50) NOT NULL,
    event_data jsonb NOT NULL,
    "position" public.geometry(Point),
    resonance double precision,
    "timestamp" timestamp with time zone NOT NULL
);


--
-- Name: event_rollups; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.event_rollups (
    space text NOT NULL,
    minute timestamp with time zone NOT NULL,
    avg_resonance double precision,
    active_users integer NOT NULL,
    event_count integer NOT NULL,
    centroid_x double precision,
    centroid_y double precision,
    clusters jsonb NOT NULL
);


--
-- Name: grain_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.grain_state (
    service_id text NOT NULL,
    state_name text NOT NULL,
    grain_n0 bigint NOT NULL,
    grain_n1 bigint NOT NULL,
    grain_key text NOT NULL,
    grain_id_hash integer NOT NULL,
    grain_type_hash integer NOT NULL,
    version integer NOT NULL,
    payload bytea,
    modified_utc timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: orleansquery; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orleansquery (
    querykey character varying(64) NOT NULL,
    querytext text NOT NULL
);


--
-- Name: resonance_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.resonance_migrations (
    service_id text NOT NULL,
    name text NOT NULL,
    rows_moved bigint NOT NULL,
    applied_utc timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: consciousness_events_p20261202; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consciousness_events ATTACH PARTITION public.consciousness_events_p20261202 FOR VALUES FROM ('2026-12-02 00:00:00+00') TO ('2026-12-03 00:00:00+00');


--
-- Name: consciousness_events_p20261203; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consciousness_events ATTACH PARTITION public.consciousness_events_p20261203 FOR VALUES FROM ('2026-12-03 00:00:00+00') TO ('2026-12-04 00:00:00+00');


--
-- Name: consciousness_events_p20261204; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consciousness_events ATTACH PARTITION public.consciousness_events_p20261204 FOR VALUES FROM ('2026-12-04 00:00:00+00') TO ('2026-12-05 00:00:00+00');


--
-- Name: consciousness_events_p20261205; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consciousness_events ATTACH PARTITION public.consciousness_events_p20261205 FOR VALUES FROM ('2026-12-05 00:00:00+00') TO ('2026-12-06 00:00:00+00');


--
-- Data for Name: consciousness_event_ids; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.consciousness_event_ids (id, "timestamp") FROM stdin;
bdf94844-dce5-4f17-bacd-ed1fe767f9dd	2026-12-02 12:40:07.238846+00
d6142d3a-f63a-44e3-abb7-23ba35dabab8	2026-12-02 12:40:07.497172+00
465191cd-5e51-4ea6-b0c6-8830bd338a01	2026-12-02 12:40:07.521697+00
\.


--
-- Data for Name: consciousness_events_p20261202; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.consciousness_events_p20261202 (id, user_id, space, event_type, event_data, "position", resonance, "timestamp") FROM stdin;
bdf94844-dce5-4f17-bacd-ed1fe767f9dd	977c5799-48d8-4727-916b-9c74c220f85a	global	insight	{"k": 0, "note": "SECRET-EVENT-v2-violet-harbor"}	010100000000000000000014400000000000001840	0.4	2026-12-02 12:40:07.238846+00
d6142d3a-f63a-44e3-abb7-23ba35dabab8	977c5799-48d8-4727-916b-9c74c220f85a	global	insight	{"k": 1, "note": "SECRET-EVENT-v2-violet-harbor"}	010100000000000000000018400000000000001840	0.4	2026-12-02 12:40:07.497172+00
465191cd-5e51-4ea6-b0c6-8830bd338a01	977c5799-48d8-4727-916b-9c74c220f85a	global	insight	{"k": 2, "note": "SECRET-EVENT-v2-violet-harbor"}	01010000000000000000001C400000000000001840	0.4	2026-12-02 12:40:07.521697+00
\.


--
-- Data for Name: consciousness_events_p20261203; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.consciousness_events_p20261203 (id, user_id, space, event_type, event_data, "position", resonance, "timestamp") FROM stdin;
\.


--
-- Data for Name: consciousness_events_p20261204; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.consciousness_events_p20261204 (id, user_id, space, event_type, event_data, "position", resonance, "timestamp") FROM stdin;
\.


--
-- Data for Name: consciousness_events_p20261205; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.consciousness_events_p20261205 (id, user_id, space, event_type, event_data, "position", resonance, "timestamp") FROM stdin;
\.


--
-- Data for Name: event_rollups; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.event_rollups (space, minute, avg_resonance, active_users, event_count, centroid_x, centroid_y, clusters) FROM stdin;
\.


--
-- Data for Name: grain_state; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.grain_state (service_id, state_name, grain_n0, grain_n1, grain_key, grain_id_hash, grain_type_hash, version, payload, modified_utc) FROM stdin;
default	node	5516412694919350866	1247249140451989402		592521793	-1822636758	1	\\x2020e84021528a1f6b1e3c8e4c9a570d2b7c1e4f110103410d676c6f62616c810000000000002840810000000000002c4081666666666666e63f810000000000000000810000000000808040810000000000000000c101c101412199577c97d8482747916b9c74c220f85a413b5345435245542d4d454d4f52592d76322d6f70616c2d6c616e7465726e410b677569646581c25d5d657150df0881e55e5d657150df480103e021e021e021e0e0	2026-12-02 12:40:07.225474+00
default	cell	0	0	global/1/1	809837524	1401197423	1	\\x202001034121528a1f6b1e3c8e4c9a570d2b7c1e4f1120e84021528a1f6b1e3c8e4c9a570d2b7c1e4f1181c25d5d657150df0801010103810000000000002840810000000000002c4081666666666666e63f810000000000000000810000000000000000c101e0e0e0	2026-12-02 12:40:07.309745+00
default	cell	0	0	global/1/2	-400403096	1401197423	1	\\x202001034121528a1f6b1e3c8e4c9a570d2b7c1e4f1120e84021528a1f6b1e3c8e4c9a570d2b7c1e4f1181c25d5d657150df0801010103810000000000002840810000000000002c4081666666666666e63f810000000000000000810000000000000000c101e0e0e0	2026-12-02 12:40:07.310393+00
default	cell	0	0	global/2/2	30734706	1401197423	1	\\x202001034121528a1f6b1e3c8e4c9a570d2b7c1e4f1120e84021528a1f6b1e3c8e4c9a570d2b7c1e4f1181c25d5d657150df0801010103810000000000002840810000000000002c4081666666666666e63f810000000000000000810000000000000000c101e0e0e0	2026-12-02 12:40:07.311281+00
default	cell	0	0	global/2/0	-1887479095	1401197423	1	\\x202001034121528a1f6b1e3c8e4c9a570d2b7c1e4f1120e84021528a1f6b1e3c8e4c9a570d2b7c1e4f1181c25d5d657150df0801010103810000000000002840810000000000002c4081666666666666e63f810000000000000000810000000000000000c101e0e0e0	2026-12-02 12:40:07.31336+00
default	cell	0	0	global/0/2	188541435	1401197423	1	\\x202001034121528a1f6b1e3c8e4c9a570d2b7c1e4f1120e84021528a1f6b1e3c8e4c9a570d2b7c1e4f1181c25d5d657150df0801010103810000000000002840810000000000002c4081666666666666e63f810000000000000000810000000000000000c101e0e0e0	2026-12-02 12:40:07.31546+00
default	cell	0	0	global/2/1	913651168	1401197423	1	\\x202001034121528a1f6b1e3c8e4c9a570d2b7c1e4f1120e84021528a1f6b1e3c8e4c9a570d2b7c1e4f1181c25d5d657150df0801010103810000000000002840810000000000002c4081666666666666e63f810000000000000000810000000000000000c101e0e0e0	2026-12-02 12:40:07.314891+00
default	cell	0	0	global/1/0	-1095063439	1401197423	1	\\x202001034121528a1f6b1e3c8e4c9a570d2b7c1e4f1120e84021528a1f6b1e3c8e4c9a570d2b7c1e4f1181c25d5d657150df0801010103810000000000002840810000000000002c4081666666666666e63f810000000000000000810000000000000000c101e0e0e0	2026-12-02 12:40:07.33146+00
default	cell	0	0	global/0/1	721505086	1401197423	1	\\x202001034121528a1f6b1e3c8e4c9a570d2b7c1e4f1120e84021528a1f6b1e3c8e4c9a570d2b7c1e4f1181c25d5d657150df0801010103810000000000002840810000000000002c4081666666666666e63f810000000000000000810000000000000000c101e0e0e0	2026-12-02 12:40:07.353747+00
default	cell	0	0	global/0/0	-420674637	1401197423	1	\\x202001034121528a1f6b1e3c8e4c9a570d2b7c1e4f1120e84021528a1f6b1e3c8e4c9a570d2b7c1e4f1181c25d5d657150df0801010103810000000000002840810000000000002c4081666666666666e63f810000000000000000810000000000000000c101e0e0e0	2026-12-02 12:40:07.363698+00
default	space	0	0	global	1079485805	941835023	11	\\x2020e8800000000000003e40810000000000003e4081000000000000f03f41176578706f6e656e7469616c810000000000002440819a9999999999b93f81000000000000084081000000000000f03f81000000000000000081333333333333d33f410f636c6173736963010381000000000000244001205279621bd1810000000000000000e00103210113011000000080001000000040009000000040009000000080000500010009005000000080005000000040e0e0	2026-12-02 12:40:07.48718+00
\.


--
-- Data for Name: orleansquery; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.orleansquery (querykey, querytext) FROM stdin;
ReadFromStorageKey	SELECT payload AS "PayloadBinary", version AS "Version"\nFROM grain_state\nWHERE service_id = @ServiceId AND state_name = @GrainTypeString\n  AND grain_n0 = @GrainIdN0 AND grain_n1 = @GrainIdN1 AND grain_key = COALESCE(@GrainIdExtensionString, '')\n
WriteToStorageKey	-- A first write (no version) inserts version 1; a later write replaces the row only if it still holds the writer's\n-- version, and bumps it. Exactly one row comes back: the new version, or on a conflict the writer's own version (NULL\n-- for a first write), which the provider reports as an InconsistentStateException.\nWITH written AS (\n    INSERT INTO grain_state AS s (service_id, state_name, grain_n0, grain_n1, grain_key, grain_id_hash, grain_type_hash, version, payload)\n    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, COALESCE(@GrainIdExtensionString, ''), @GrainIdHash, @GrainTypeHash, 1, @PayloadBinary\n    -- With a version the row must exist: a row deleted underneath is a conflict, not a fresh insert.\n    WHERE @GrainStateVersion IS NULL OR EXISTS (\n        SELECT 1 FROM grain_state e\n        WHERE e.service_id = @ServiceId AND e.state_name = @GrainTypeString\n          AND e.grain_n0 = @GrainIdN0 AND e.grain_n1 = @GrainIdN1 AND e.grain_key = COALESCE(@GrainIdExtensionString, ''))\n    ON CONFLICT ON CONSTRAINT grain_state_identity DO UPDATE\n        SET version = s.version + 1, payload = EXCLUDED.payload, modified_utc = now()\n        WHERE s.version = @GrainStateVersion\n    RETURNING s.version\n)\nSELECT COALESCE((SELECT version FROM written), @GrainStateVersion) AS "NewGrainStateVersion"\n
ClearStorageKey	-- Keeps the row with no payload and the next version (used when DeleteStateOnClear is off).\nWITH cleared AS (\n    UPDATE grain_state SET payload = NULL, version = version + 1, modified_utc = now()\n    WHERE service_id = @ServiceId AND state_name = @GrainTypeString\n      AND grain_n0 = @GrainIdN0 AND grain_n1 = @GrainIdN1 AND grain_key = COALESCE(@GrainIdExtensionString, '')\n      AND version = @GrainStateVersion\n    RETURNING version\n)\nSELECT COALESCE((SELECT version FROM cleared), @GrainStateVersion) AS "Version"\n
DeleteStorageKey	-- Removes the row (DeleteStateOnClear, the setting this project uses: cleared state leaves nothing behind). Returns the\n-- deleted version + 1, or the writer's version on a conflict.\nWITH deleted AS (\n    DELETE FROM grain_state\n    WHERE service_id = @ServiceId AND state_name = @GrainTypeString\n      AND grain_n0 = @GrainIdN0 AND grain_n1 = @GrainIdN1 AND grain_key = COALESCE(@GrainIdExtensionString, '')\n      AND version = @GrainStateVersion\n    RETURNING version + 1 AS next\n)\nSELECT COALESCE((SELECT next FROM deleted), @GrainStateVersion) AS "Version"\n
\.


--
-- Data for Name: resonance_migrations; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.resonance_migrations (service_id, name, rows_moved, applied_utc) FROM stdin;
\.


--
-- Data for Name: spatial_ref_sys; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) FROM stdin;
\.


--
-- Name: consciousness_event_ids consciousness_event_ids_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consciousness_event_ids
    ADD CONSTRAINT consciousness_event_ids_pkey PRIMARY KEY (id);


--
-- Name: consciousness_events consciousness_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consciousness_events
    ADD CONSTRAINT consciousness_events_pkey PRIMARY KEY ("timestamp", id);


--
-- Name: consciousness_events_p20261202 consciousness_events_p20261202_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consciousness_events_p20261202
    ADD CONSTRAINT consciousness_events_p20261202_pkey PRIMARY KEY ("timestamp", id);


--
-- Name: consciousness_events_p20261203 consciousness_events_p20261203_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consciousness_events_p20261203
    ADD CONSTRAINT consciousness_events_p20261203_pkey PRIMARY KEY ("timestamp", id);


--
-- Name: consciousness_events_p20261204 consciousness_events_p20261204_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consciousness_events_p20261204
    ADD CONSTRAINT consciousness_events_p20261204_pkey PRIMARY KEY ("timestamp", id);


--
-- Name: consciousness_events_p20261205 consciousness_events_p20261205_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consciousness_events_p20261205
    ADD CONSTRAINT consciousness_events_p20261205_pkey PRIMARY KEY ("timestamp", id);


--
-- Name: event_rollups event_rollups_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_rollups
    ADD CONSTRAINT event_rollups_pkey PRIMARY KEY (space, minute);


--
-- Name: grain_state grain_state_identity; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.grain_state
    ADD CONSTRAINT grain_state_identity PRIMARY KEY (service_id, state_name, grain_n0, grain_n1, grain_key);


--
-- Name: orleansquery orleansquery_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orleansquery
    ADD CONSTRAINT orleansquery_pkey PRIMARY KEY (querykey);


--
-- Name: resonance_migrations resonance_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.resonance_migrations
    ADD CONSTRAINT resonance_migrations_pkey PRIMARY KEY (service_id, name);


--
-- Name: consciousness_event_ids_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_event_ids_time ON public.consciousness_event_ids USING brin ("timestamp");


--
-- Name: consciousness_events_position; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_events_position ON ONLY public.consciousness_events USING gist ("position");


--
-- Name: consciousness_events_p20261202_position_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_events_p20261202_position_idx ON public.consciousness_events_p20261202 USING gist ("position");


--
-- Name: consciousness_events_space_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_events_space_time ON ONLY public.consciousness_events USING btree (space, "timestamp");


--
-- Name: consciousness_events_p20261202_space_timestamp_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_events_p20261202_space_timestamp_idx ON public.consciousness_events_p20261202 USING btree (space, "timestamp");


--
-- Name: consciousness_events_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_events_time ON ONLY public.consciousness_events USING brin ("timestamp");


--
-- Name: consciousness_events_p20261202_timestamp_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_events_p20261202_timestamp_idx ON public.consciousness_events_p20261202 USING brin ("timestamp");


--
-- Name: consciousness_events_p20261203_position_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_events_p20261203_position_idx ON public.consciousness_events_p20261203 USING gist ("position");


--
-- Name: consciousness_events_p20261203_space_timestamp_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_events_p20261203_space_timestamp_idx ON public.consciousness_events_p20261203 USING btree (space, "timestamp");


--
-- Name: consciousness_events_p20261203_timestamp_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_events_p20261203_timestamp_idx ON public.consciousness_events_p20261203 USING brin ("timestamp");


--
-- Name: consciousness_events_p20261204_position_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_events_p20261204_position_idx ON public.consciousness_events_p20261204 USING gist ("position");


--
-- Name: consciousness_events_p20261204_space_timestamp_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_events_p20261204_space_timestamp_idx ON public.consciousness_events_p20261204 USING btree (space, "timestamp");


--
-- Name: consciousness_events_p20261204_timestamp_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_events_p20261204_timestamp_idx ON public.consciousness_events_p20261204 USING brin ("timestamp");


--
-- Name: consciousness_events_p20261205_position_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_events_p20261205_position_idx ON public.consciousness_events_p20261205 USING gist ("position");


--
-- Name: consciousness_events_p20261205_space_timestamp_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_events_p20261205_space_timestamp_idx ON public.consciousness_events_p20261205 USING btree (space, "timestamp");


--
-- Name: consciousness_events_p20261205_timestamp_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consciousness_events_p20261205_timestamp_idx ON public.consciousness_events_p20261205 USING brin ("timestamp");


--
-- Name: consciousness_events_p20261202_pkey; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_pkey ATTACH PARTITION public.consciousness_events_p20261202_pkey;


--
-- Name: consciousness_events_p20261202_position_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_position ATTACH PARTITION public.consciousness_events_p20261202_position_idx;


--
-- Name: consciousness_events_p20261202_space_timestamp_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_space_time ATTACH PARTITION public.consciousness_events_p20261202_space_timestamp_idx;


--
-- Name: consciousness_events_p20261202_timestamp_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_time ATTACH PARTITION public.consciousness_events_p20261202_timestamp_idx;


--
-- Name: consciousness_events_p20261203_pkey; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_pkey ATTACH PARTITION public.consciousness_events_p20261203_pkey;


--
-- Name: consciousness_events_p20261203_position_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_position ATTACH PARTITION public.consciousness_events_p20261203_position_idx;


--
-- Name: consciousness_events_p20261203_space_timestamp_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_space_time ATTACH PARTITION public.consciousness_events_p20261203_space_timestamp_idx;


--
-- Name: consciousness_events_p20261203_timestamp_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_time ATTACH PARTITION public.consciousness_events_p20261203_timestamp_idx;


--
-- Name: consciousness_events_p20261204_pkey; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_pkey ATTACH PARTITION public.consciousness_events_p20261204_pkey;


--
-- Name: consciousness_events_p20261204_position_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_position ATTACH PARTITION public.consciousness_events_p20261204_position_idx;


--
-- Name: consciousness_events_p20261204_space_timestamp_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_space_time ATTACH PARTITION public.consciousness_events_p20261204_space_timestamp_idx;


--
-- Name: consciousness_events_p20261204_timestamp_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_time ATTACH PARTITION public.consciousness_events_p20261204_timestamp_idx;


--
-- Name: consciousness_events_p20261205_pkey; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_pkey ATTACH PARTITION public.consciousness_events_p20261205_pkey;


--
-- Name: consciousness_events_p20261205_position_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_position ATTACH PARTITION public.consciousness_events_p20261205_position_idx;


--
-- Name: consciousness_events_p20261205_space_timestamp_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_space_time ATTACH PARTITION public.consciousness_events_p20261205_space_timestamp_idx;


--
-- Name: consciousness_events_p20261205_timestamp_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.consciousness_events_time ATTACH PARTITION public.consciousness_events_p20261205_timestamp_idx;


--
-- PostgreSQL database dump complete
--

\unrestrict T3d4a6e6in0ebO1f2Ie7hmujqj2Ov5upH5a7wRhWHc5BEgakLabhnplUHjrg9bJ

