DROP TABLE tender_invitees;
