//! The schema in portable types (Text ids, UTC Timestamp, BigInt, Bool, Text
//! JSON). migrations/sqlite and migrations/postgres create the same tables.

diesel::table! {
    leagues (code) {
        code -> Text,
        name -> Text,
        name_en -> Text,
        parent_region -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        credit_code -> Nullable<Text>,
        league_code -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        name -> Text,
        league_code -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
        disabled -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    api_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        label -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_role -> Text,
        action -> Text,
        object_type -> Text,
        object_id -> Text,
        tender_id -> Nullable<Text>,
        client_addr -> Nullable<Text>,
        request_id -> Nullable<Text>,
        payload_sha256 -> Text,
        leaf_index -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_tree_nodes (level, idx) {
        level -> Integer,
        idx -> BigInt,
        hash -> Binary,
    }
}

diesel::table! {
    audit_log_head (id) {
        id -> Integer,
        tree_size -> BigInt,
        root_hash -> Binary,
        updated_at -> Timestamp,
        alerts_through -> BigInt,
    }
}

diesel::table! {
    audit_checkpoints (tree_size) {
        tree_size -> BigInt,
        root_hash -> Binary,
        signed_at -> Timestamp,
        note -> Text,
    }
}

diesel::table! {
    supervisor_scopes (user_id) {
        user_id -> Text,
        kind -> Text,
        category -> Nullable<Text>,
        league_code -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    supervision_alerts (id) {
        id -> Text,
        tender_id -> Text,
        kind -> Text,
        fingerprint -> Text,
        summary -> Text,
        evidence_json -> Text,
        raised_at -> Timestamp,
        acknowledged_by -> Nullable<Text>,
        acknowledged_at -> Nullable<Timestamp>,
        ack_note -> Nullable<Text>,
        sealed_summary -> Nullable<Text>,
        reason -> Nullable<Text>,
        params_json -> Nullable<Text>,
        sealed_reason -> Nullable<Text>,
        sealed_params_json -> Nullable<Text>,
    }
}

diesel::table! {
    tenders (id) {
        id -> Text,
        reference -> Text,
        title -> Text,
        description -> Text,
        category -> Text,
        method -> Text,
        league_code -> Text,
        tenderer_org_id -> Text,
        agent_org_id -> Nullable<Text>,
        budget_fen -> BigInt,
        currency -> Text,
        evaluation_json -> Text,
        documents_available_at -> Timestamp,
        clarification_deadline -> Timestamp,
        bid_deadline -> Timestamp,
        publicity_days -> Integer,
        status -> Text,
        status_changed_at -> Timestamp,
        amendment_version -> Integer,
        published_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        seal_required -> Bool,
        terms_json -> Text,
    }
}

diesel::table! {
    tender_lots (tender_id, number) {
        tender_id -> Text,
        number -> Integer,
        title -> Text,
        description -> Text,
        budget_fen -> BigInt,
        evaluation_json -> Nullable<Text>,
        ceiling_price_fen -> Nullable<BigInt>,
    }
}

diesel::table! {
    tender_documents (id) {
        id -> Text,
        tender_id -> Text,
        title -> Text,
        filename -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        amendment_version -> Nullable<Integer>,
    }
}

diesel::table! {
    notices (tender_id, seq) {
        tender_id -> Text,
        seq -> Integer,
        kind -> Text,
        title -> Text,
        body -> Text,
        published_at -> Timestamp,
        release_json -> Text,
        words_json -> Nullable<Text>,
    }
}

diesel::table! {
    clarifications (id) {
        id -> Text,
        tender_id -> Text,
        number -> Nullable<Integer>,
        question -> Text,
        asked_by -> Text,
        asked_at -> Timestamp,
        answer -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    trust_services (id) {
        id -> Text,
        league_code -> Nullable<Text>,
        service_type -> Text,
        subject -> Text,
        issuer -> Text,
        sha256 -> Text,
        certificate -> Binary,
        self_signed -> Bool,
        not_before -> Timestamp,
        not_after -> Timestamp,
        ocsp_url -> Nullable<Text>,
        crl_urls -> Text,
        status -> Text,
        created_at -> Timestamp,
        issuer_chain -> Nullable<Text>,
    }
}

diesel::table! {
    /// Bumped with every change to the trust registry (one row, id 1).
    trust_generation (id) {
        id -> Integer,
        generation -> BigInt,
    }
}

diesel::table! {
    trust_service_statuses (seq) {
        seq -> BigInt,
        service_id -> Text,
        status -> Text,
        effective_from -> Timestamp,
        reason -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    trust_recognitions (id) {
        id -> Text,
        league_code -> Text,
        recognised_league -> Text,
        service_type -> Text,
        effective_from -> Timestamp,
        effective_until -> Nullable<Timestamp>,
        reason -> Text,
        created_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        end_reason -> Nullable<Text>,
    }
}

diesel::table! {
    league_policy_requirements (league, service_type) {
        league -> Text,
        service_type -> Text,
        initial_policies -> Text,
        explicit_policy -> Bool,
        inhibit_policy_mapping -> Bool,
        inhibit_any_policy -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    trust_crls (sha256) {
        sha256 -> Text,
        issuer -> Text,
        issuer_service_id -> Text,
        der -> Binary,
        this_update -> Timestamp,
        next_update -> Nullable<Timestamp>,
        source_url -> Nullable<Text>,
        loaded_at -> Timestamp,
    }
}

diesel::table! {
    user_identities (kind, identifier) {
        kind -> Text,
        identifier -> Text,
        user_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    login_challenges (id) {
        id -> Text,
        challenge -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        method -> Text,
        cert_sha256 -> Text,
        cert_subject -> Text,
        certificate -> Binary,
        profile -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        client_addr -> Nullable<Text>,
    }
}

diesel::joinable!(organisations -> leagues (league_code));
diesel::joinable!(tenders -> leagues (league_code));
diesel::joinable!(tender_lots -> tenders (tender_id));
diesel::joinable!(tender_documents -> tenders (tender_id));
diesel::joinable!(notices -> tenders (tender_id));
diesel::joinable!(clarifications -> tenders (tender_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(trust_service_statuses -> trust_services (service_id));
diesel::joinable!(user_identities -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(custody_certificates -> users (user_id));
diesel::joinable!(bids -> tenders (tender_id));
diesel::joinable!(supervisor_scopes -> users (user_id));
diesel::joinable!(supervision_alerts -> tenders (tender_id));
diesel::joinable!(bid_openings -> bids (bid_id));
diesel::joinable!(committee_members -> experts (expert_id));
diesel::joinable!(committee_members -> tenders (tender_id));

diesel::allow_tables_to_appear_in_same_query!(
    leagues,
    organisations,
    users,
    user_roles,
    api_tokens,
    audit_events,
    audit_tree_nodes,
    audit_log_head,
    audit_checkpoints,
    supervisor_scopes,
    supervision_alerts,
    tenders,
    tender_lots,
    tender_documents,
    notices,
    clarifications,
    trust_services,
    trust_service_statuses,
    trust_recognitions,
    league_policy_requirements,
    trust_crls,
    trust_generation,
    user_identities,
    login_challenges,
    sessions,
    custody_certificates,
    opening_keys,
    opening_shares,
    bid_uploads,
    bids,
    openings,
    bid_openings,
    objections,
    hall_events,
    experts,
    draws,
    committee_members,
    committee_representatives,
    draw_replacements,
    evaluation_rooms,
    room_events,
);

diesel::table! {
    custody_certificates (user_id) {
        user_id -> Text,
        certificate -> Binary,
        sha256 -> Text,
        subject -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    opening_keys (tender_id) {
        tender_id -> Text,
        certificate -> Binary,
        cert_sha256 -> Text,
        threshold -> Integer,
        custodians -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    opening_shares (tender_id, x) {
        tender_id -> Text,
        x -> Integer,
        custodian_kind -> Text,
        custodian_user_id -> Nullable<Text>,
        custodian_label -> Text,
        custodian_cert_sha256 -> Text,
        encrypted_share -> Binary,
        share_sha256 -> Text,
        released_share -> Nullable<Binary>,
        released_at -> Nullable<Timestamp>,
        released_by -> Nullable<Text>,
    }
}

diesel::table! {
    bid_uploads (id) {
        id -> Text,
        tender_id -> Text,
        bidder_org_id -> Text,
        user_id -> Text,
        declared_size -> BigInt,
        declared_sha256 -> Nullable<Text>,
        received_bytes -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_byte_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        bid_id -> Nullable<Text>,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    bids (id) {
        id -> Text,
        tender_id -> Text,
        bidder_org_id -> Text,
        submitted_by -> Text,
        version -> Integer,
        status -> Text,
        sha256 -> Text,
        size_bytes -> BigInt,
        content_sha256 -> Text,
        content_type -> Text,
        outer_signed -> Bool,
        signer_cert_sha256 -> Text,
        signer_subject -> Text,
        client_addr -> Nullable<Text>,
        device_fingerprint -> Nullable<Text>,
        received_at -> Timestamp,
        timestamp_token -> Binary,
        receipt_json -> Text,
        withdrawn_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    openings (tender_id) {
        tender_id -> Text,
        status -> Text,
        started_at -> Timestamp,
        decrypting_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        valid_bids -> Nullable<Integer>,
        record_json -> Nullable<Text>,
        runner -> Nullable<Text>,
        runner_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    bid_arrivals (id) {
        id -> Text,
        tender_id -> Text,
        node_id -> Text,
        started_at -> Timestamp,
    }
}

diesel::table! {
    cluster_nodes (node_id) {
        node_id -> Text,
        started_at -> Timestamp,
        last_seen_at -> Timestamp,
        version -> Text,
        listen -> Text,
        duties -> Text,
    }
}

diesel::table! {
    bid_openings (bid_id) {
        bid_id -> Text,
        tender_id -> Text,
        outcome -> Text,
        reason -> Nullable<Text>,
        signer_subject -> Nullable<Text>,
        signing_time -> Nullable<Timestamp>,
        sealed -> Bool,
        seal_name -> Nullable<Text>,
        total_price_fen -> Nullable<BigInt>,
        duration_days -> Nullable<Integer>,
        schedule_json -> Nullable<Text>,
        opened_at -> Timestamp,
        documents_manifest -> Nullable<Text>,
    }
}

diesel::table! {
    objections (id) {
        id -> Text,
        tender_id -> Text,
        raised_by -> Text,
        bidder_org_id -> Nullable<Text>,
        text -> Text,
        raised_at -> Timestamp,
        answer -> Nullable<Text>,
        answered_by -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        /// documents, opening, result, process (`objections::rules`).
        subject -> Text,
        answer_due_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// The opening hall's events, per tender, numbered from 1 without gaps.
    hall_events (tender_id, seq) {
        tender_id -> Text,
        seq -> BigInt,
        occurred_at -> Timestamp,
        kind -> Text,
        payload_json -> Text,
    }
}

diesel::table! {
    experts (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        league_code -> Text,
        employer_name -> Text,
        employer_credit_code -> Nullable<Text>,
        related_json -> Text,
        specialties_json -> Text,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        active -> Bool,
        available -> Bool,
        availability_note -> Nullable<Text>,
        availability_confirmed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    draws (tender_id) {
        tender_id -> Text,
        rules_json -> Text,
        snapshot_json -> Text,
        platform_value -> Text,
        platform_commitment -> Text,
        committed_at -> Timestamp,
        committed_by -> Nullable<Text>,
        supervisor_contribution -> Nullable<Text>,
        contributed_by -> Nullable<Text>,
        tree_size -> Nullable<BigInt>,
        tree_root -> Nullable<Binary>,
        tree_signed_at -> Nullable<Timestamp>,
        tree_note -> Nullable<Text>,
        bidders_json -> Nullable<Text>,
        bidders_salt -> Nullable<Text>,
        drawn_json -> Nullable<Text>,
        outcome_json -> Nullable<Text>,
        drawn_at -> Nullable<Timestamp>,
        answer_minutes -> Nullable<Integer>,
    }
}

diesel::table! {
    committee_members (tender_id, expert_id) {
        tender_id -> Text,
        expert_id -> Text,
        status -> Text,
        venue_league -> Text,
        quota -> Nullable<Text>,
        invited_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
        reason -> Nullable<Text>,
        answer_by -> Nullable<Timestamp>,
    }
}

diesel::table! {
    committee_representatives (tender_id, user_id) {
        tender_id -> Text,
        user_id -> Text,
        position -> Integer,
        name -> Text,
        organisation_id -> Text,
        league_code -> Text,
        venue_league -> Text,
        status -> Text,
        named_at -> Timestamp,
        left_at -> Nullable<Timestamp>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    draw_replacements (tender_id, n) {
        tender_id -> Text,
        n -> Integer,
        expert_id -> Text,
        reason -> Text,
        replacement_id -> Nullable<Text>,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_rooms (tender_id) {
        tender_id -> Text,
        setup_json -> Text,
        opened_at -> Timestamp,
        opened_by -> Nullable<Text>,
    }
}

diesel::table! {
    /// An evaluation room's events, per tender, numbered from 1 without gaps.
    room_events (tender_id, seq) {
        tender_id -> Text,
        seq -> BigInt,
        occurred_at -> Timestamp,
        kind -> Text,
        actor_id -> Nullable<Text>,
        client_id -> Nullable<Text>,
        payload_json -> Text,
    }
}

diesel::table! {
    /// The label ("bidder 1", "bidder 2", ...) each bidder an alert names
    /// has on that tender until the opening.
    sealed_bidder_labels (tender_id, bidder_org_id) {
        tender_id -> Text,
        bidder_org_id -> Text,
        label -> Integer,
    }
}

diesel::table! {
    database_sessions (id) {
        id -> Text,
        opened_at -> Timestamp,
        os_user -> Text,
        reason -> Text,
        statement -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        exit_code -> Nullable<Integer>,
    }
}

diesel::table! {
    /// The platform's public keys, one per purpose, as first recorded.
    platform_keys (purpose) {
        purpose -> Text,
        algorithm -> Text,
        spki_sha256 -> Text,
        recorded_at -> Timestamp,
        recorded_by -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(bid_arrivals, cluster_nodes);

diesel::table! {
    /// One message to one user: its inbox entry (see `notify`).
    notifications (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        cause -> Text,
        tender_id -> Nullable<Text>,
        league_code -> Nullable<Text>,
        sealed -> Bool,
        language -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        link -> Nullable<Text>,
        attachments_json -> Text,
        request_id -> Nullable<Text>,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
        in_inbox -> Bool,
    }
}

diesel::table! {
    /// The e-mail outbox: one row per notification sent by e-mail.
    email_deliveries (notification_id) {
        notification_id -> Text,
        address -> Text,
        message_id -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        sending_by -> Nullable<Text>,
        sending_since -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notification_settings (user_id) {
        user_id -> Text,
        email -> Nullable<Text>,
        email_verified_at -> Nullable<Timestamp>,
        language -> Text,
        muted_json -> Text,
        wanted_json -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    email_verifications (token_sha256) {
        token_sha256 -> Text,
        user_id -> Text,
        email -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notification_subscriptions (user_id, category, league_code) {
        user_id -> Text,
        category -> Text,
        league_code -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    document_takers (tender_id, user_id) {
        tender_id -> Text,
        user_id -> Text,
        organisation_id -> Nullable<Text>,
        first_at -> Timestamp,
    }
}

diesel::joinable!(email_deliveries -> notifications (notification_id));
diesel::allow_tables_to_appear_in_same_query!(email_deliveries, notifications);

diesel::table! {
    /// Documents of a procedure the platform issued and keeps: notices of
    /// award and result notices, CMS SignedData (DER).
    procedure_documents (id) {
        id -> Text,
        tender_id -> Text,
        kind -> Text,
        recipient_org_id -> Text,
        sha256 -> Text,
        signed -> Binary,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(procedure_documents, organisations);

diesel::table! {
    /// The purchaser's qualification review, one finding per valid bid
    /// (government procurement tendering, 87号令 第44条).
    qualification_findings (bid_id) {
        bid_id -> Text,
        tender_id -> Text,
        qualified -> Bool,
        reason -> Text,
        document -> Text,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Timestamp,
    }
}

diesel::table! {
    /// The qualification review concluded, once per tender.
    qualification_conclusions (tender_id) {
        tender_id -> Text,
        reviewed -> Integer,
        qualified -> Integer,
        minimum -> Integer,
        passed -> Bool,
        concluded_by -> Nullable<Text>,
        concluded_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(qualification_findings, bids);
diesel::allow_tables_to_appear_in_same_query!(qualification_findings, organisations);
diesel::joinable!(qualification_findings -> bids (bid_id));

diesel::table! {
    /// The enterprises an invited tender invites, by credit code.
    tender_invitees (tender_id, credit_code) {
        tender_id -> Text,
        credit_code -> Text,
        position -> Integer,
        org_id -> Nullable<Text>,
        invited_at -> Nullable<Timestamp>,
        notified_users -> Integer,
    }
}

diesel::joinable!(tender_invitees -> tenders (tender_id));
diesel::allow_tables_to_appear_in_same_query!(tender_invitees, tenders);
diesel::allow_tables_to_appear_in_same_query!(tender_invitees, organisations);

diesel::table! {
    /// A tender's awards, one per lot (0 without lots).
    awards (id) {
        id -> Text,
        tender_id -> Text,
        lot -> Integer,
        bid_id -> Text,
        supplier_org_id -> Text,
        value_fen -> BigInt,
        rank_in_report -> Nullable<Integer>,
        reason -> Text,
        decided_at -> Timestamp,
        notice_seq -> Nullable<Integer>,
    }
}

diesel::joinable!(awards -> tenders (tender_id));
diesel::joinable!(awards -> organisations (supplier_org_id));
diesel::allow_tables_to_appear_in_same_query!(awards, tenders);
diesel::allow_tables_to_appear_in_same_query!(awards, organisations);
diesel::allow_tables_to_appear_in_same_query!(awards, bids);

diesel::table! {
    /// The working-day calendar's years (shipped, or replaced by an operator).
    calendar_years (year) {
        year -> Integer,
        official -> Bool,
        source -> Text,
        changed_by -> Nullable<Text>,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    /// The calendar's listed days: holidays and make-up working days.
    calendar_days (day) {
        day -> Text,
        year -> Integer,
        kind -> Text,
        name -> Text,
    }
}

diesel::joinable!(calendar_days -> calendar_years (year));
diesel::allow_tables_to_appear_in_same_query!(calendar_days, calendar_years);

diesel::table! {
    /// Each replacement of a calendar year: the audited payload (before and
    /// after) as canonical JSON, whose SHA-256 the audit event holds.
    calendar_changes (id) {
        id -> Text,
        year -> Integer,
        changed_by -> Nullable<Text>,
        changed_at -> Timestamp,
        payload -> Text,
    }
}

diesel::table! {
    /// Complaints (投诉) escalated from objections (`objections`).
    complaints (id) {
        id -> Text,
        tender_id -> Text,
        objection_id -> Text,
        filed_by -> Text,
        filer_org_id -> Nullable<Text>,
        text -> Text,
        filed_at -> Timestamp,
        accept_due_at -> Timestamp,
        decide_due_at -> Nullable<Timestamp>,
        status -> Text,
        handled_by -> Nullable<Text>,
        accepted_at -> Nullable<Timestamp>,
        refusal -> Nullable<Text>,
        decision -> Nullable<Text>,
        upheld -> Nullable<Bool>,
        decided_at -> Nullable<Timestamp>,
        notice_seq -> Nullable<Integer>,
    }
}

diesel::table! {
    /// Contracts drafted from awards and signed by both parties.
    contracts (id) {
        id -> Text,
        tender_id -> Text,
        award_id -> Text,
        lot -> Integer,
        purchaser_org_id -> Text,
        supplier_org_id -> Text,
        value_fen -> BigInt,
        currency -> Text,
        terms_json -> Text,
        status -> Text,
        document -> Nullable<Binary>,
        document_sha256 -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        signed_at -> Nullable<Timestamp>,
        publish_by -> Nullable<Timestamp>,
        published_at -> Nullable<Timestamp>,
        notice_seq -> Nullable<Integer>,
        withheld_json -> Text,
    }
}

diesel::table! {
    /// Suspensions of a procedure ordered on a complaint.
    procedure_suspensions (id) {
        id -> Text,
        tender_id -> Text,
        complaint_id -> Text,
        reason -> Text,
        suspended_by -> Text,
        suspended_at -> Timestamp,
        until -> Nullable<Timestamp>,
        resumed_by -> Nullable<Text>,
        resumed_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(complaints, objections);
diesel::allow_tables_to_appear_in_same_query!(complaints, tenders);

diesel::table! {
    /// Each party's CMS and seal signatures over a contract.
    contract_signatures (contract_id, party) {
        contract_id -> Text,
        party -> Text,
        cms -> Binary,
        seal_signature -> Binary,
        signer_subject -> Text,
        signer_cert_sha256 -> Text,
        seal_name -> Text,
        seal_id -> Text,
        signed_by -> Text,
        signed_at -> Timestamp,
    }
}

diesel::joinable!(contracts -> tenders (tender_id));
diesel::joinable!(contract_signatures -> contracts (contract_id));
diesel::allow_tables_to_appear_in_same_query!(contracts, tenders);
diesel::allow_tables_to_appear_in_same_query!(contracts, awards);
diesel::allow_tables_to_appear_in_same_query!(contracts, contract_signatures);

diesel::table! {
    /// Trades found by price: a tender's listing, auction or online bidding.
    auction_trades (tender_id) {
        tender_id -> Text,
        kind -> Text,
        terms_json -> Text,
        deposit_fen -> BigInt,
        set_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A trade's applicants, their qualification, deposit and number.
    auction_applicants (tender_id, org_id) {
        tender_id -> Text,
        org_id -> Text,
        applied_by -> Text,
        applied_at -> Timestamp,
        status -> Text,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        reason -> Nullable<Text>,
        deposit_confirmed_at -> Nullable<Timestamp>,
        deposit_source -> Nullable<Text>,
        deposit_reference -> Nullable<Text>,
        number -> Nullable<Text>,
    }
}

diesel::table! {
    /// A trade's record: the engine's events in order.
    auction_events (tender_id, seq) {
        tender_id -> Text,
        seq -> BigInt,
        occurred_at -> Timestamp,
        kind -> Text,
        payload_json -> Text,
        actor_id -> Nullable<Text>,
        org_id -> Nullable<Text>,
        client_id -> Nullable<Text>,
        amount_fen -> Nullable<BigInt>,
        timestamp_token -> Nullable<Binary>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(auction_trades, tenders);
diesel::allow_tables_to_appear_in_same_query!(auction_applicants, organisations);

diesel::table! {
    /// Banks that notify trades' deposits, with their HMAC keys.
    deposit_banks (code) {
        code -> Text,
        league_code -> Text,
        name -> Text,
        hmac_key -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Deposit notifications received, once per (bank, reference).
    deposit_notifications (bank_code, reference) {
        bank_code -> Text,
        reference -> Text,
        tender_id -> Text,
        org_id -> Text,
        amount_fen -> BigInt,
        paid_at -> Timestamp,
        body_sha256 -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    /// A trade's sealed reserve: its envelope and commitment.
    auction_reserves (tender_id) {
        tender_id -> Text,
        envelope -> Binary,
        envelope_sha256 -> Text,
        commitment -> Text,
        sealed_by -> Text,
        sealed_at -> Timestamp,
        revealed_at -> Nullable<Timestamp>,
        revealed_plain -> Nullable<Binary>,
    }
}
