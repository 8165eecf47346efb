-- Runs once, when the temporal-db volume is first initialised (postgres image's initdb hook).
-- The image creates the `temporal` database for POSTGRES_USER; Temporal also needs its visibility one.
CREATE DATABASE temporal_visibility OWNER temporal;
