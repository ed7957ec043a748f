DROP TABLE sessions;
DROP TABLE login_challenges;
DROP TABLE user_identities;
DROP TABLE trust_crls;
DROP TABLE trust_recognitions;
DROP TABLE trust_service_statuses;
DROP TABLE trust_services;
