DROP TABLE auction_events;
DROP TABLE auction_applicants;
DROP TABLE auction_trades;
