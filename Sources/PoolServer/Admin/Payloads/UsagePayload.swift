import PoolCore

/// `GET /admin/usage`: the grouping, period and range asked for, and one row per bucket and token, key or model.
struct UsagePayload: Encodable {
    let query: UsageQuery
    let rows: [UsageRow]

    struct RowPayload: Encodable {
        let row: UsageRow

        enum CodingKeys: String, CodingKey {
            case bucket, id, name, requests, failed
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(RequestTime.formatSeconds(row.bucket), forKey: .bucket)
            try container.encode(row.id, forKey: .id)
            try container.encode(row.name, forKey: .name)
            try container.encode(row.requests, forKey: .requests)
            try container.encode(row.failed, forKey: .failed)
            try container.encode(row.promptTokens, forKey: .promptTokens)
            try container.encode(row.completionTokens, forKey: .completionTokens)
        }
    }

    enum CodingKeys: String, CodingKey {
        case by, period, since, until, rows
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(query.by.rawValue, forKey: .by)
        try container.encode(query.period.rawValue, forKey: .period)
        try container.encode(RequestTime.format(query.since), forKey: .since)
        try container.encode(RequestTime.format(query.until), forKey: .until)
        try container.encode(rows.map(RowPayload.init), forKey: .rows)
    }
}
