DROP TABLE hall_events;
