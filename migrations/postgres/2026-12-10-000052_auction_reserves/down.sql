DROP TABLE auction_reserves;
