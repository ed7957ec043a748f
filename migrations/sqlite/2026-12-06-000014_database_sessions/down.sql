DROP TABLE database_sessions;
