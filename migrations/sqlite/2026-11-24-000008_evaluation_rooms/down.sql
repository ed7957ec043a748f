DROP TABLE room_events;
DROP TABLE evaluation_rooms;
