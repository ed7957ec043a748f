DROP TABLE document_takers; DROP TABLE notification_subscriptions; DROP TABLE email_verifications; DROP TABLE notification_settings; DROP TABLE email_deliveries; DROP TABLE notifications;
