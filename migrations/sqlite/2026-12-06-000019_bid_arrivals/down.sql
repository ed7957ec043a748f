DROP TABLE bid_arrivals;
