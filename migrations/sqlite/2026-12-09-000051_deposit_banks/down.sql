DROP TABLE deposit_notifications;
DROP TABLE deposit_banks;
