// Secret-detection rules: the rule data of gitleaks' default configuration, converted for JavaScript by
// scripts/import-gitleaks-rules.py. Generated: do not edit; re-run the script to update.
// Source: https://github.com/gitleaks/gitleaks config/gitleaks.toml at commit b58d3f102cf3a2c84cb7f923d05c25c9b1aed84b.
// gitleaks is MIT licensed: Copyright (c) 2019 Zachary Rice. Permission is hereby granted, free of charge, to any
// person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the
// Software without restriction, subject to the condition that the above copyright notice and this permission notice
// shall be included in all copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT
// WARRANTY OF ANY KIND.
// Left out (file-path rules): pkcs12-file.
import type { SecretRuleData } from '../secretRules.js';

export const GITLEAKS_COMMIT = "b58d3f102cf3a2c84cb7f923d05c25c9b1aed84b";

export const GITLEAKS_RULES: readonly SecretRuleData[] = [
{
"id": "1password-secret-key",
"source": "\\bA3-[A-Z0-9]{6}-(?:(?:[A-Z0-9]{11})|(?:[A-Z0-9]{6}-[A-Z0-9]{5}))-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}\\b",
"flags": "",
"keywords": [
"a3-"
],
"entropy": 3.8
},
{
"id": "1password-service-account-token",
"source": "ops_eyJ[a-zA-Z0-9+/]{250,}={0,3}",
"flags": "",
"keywords": [
"ops_"
],
"entropy": 4
},
{
"id": "adafruit-api-key",
"source": "[\\w.-]{0,50}?(?:adafruit)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9_-]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"adafruit"
]
},
{
"id": "adobe-client-id",
"source": "[\\w.-]{0,50}?(?:adobe)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"adobe"
],
"entropy": 2
},
{
"id": "adobe-client-secret",
"source": "\\b(p8e-(?i:[a-z0-9]{32}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"p8e-"
],
"entropy": 2
},
{
"id": "age-secret-key",
"source": "AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
"flags": "",
"keywords": [
"age-secret-key-1"
]
},
{
"id": "airtable-api-key",
"source": "[\\w.-]{0,50}?(?:airtable)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{17})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"airtable"
]
},
{
"id": "airtable-personnal-access-token",
"source": "\\b(pat[[:alnum:]]{14}\\.[a-f0-9]{64})\\b",
"flags": "",
"keywords": [
"airtable"
]
},
{
"id": "algolia-api-key",
"source": "[\\w.-]{0,50}?(?:algolia)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"algolia"
]
},
{
"id": "alibaba-access-key-id",
"source": "\\b(LTAI(?i:[a-z0-9]{20}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"ltai"
],
"entropy": 2
},
{
"id": "alibaba-secret-key",
"source": "[\\w.-]{0,50}?(?:alibaba)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{30})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"alibaba"
],
"entropy": 2
},
{
"id": "anthropic-admin-api-key",
"source": "\\b(sk-ant-admin01-[a-zA-Z0-9_\\-]{93}AA)(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"sk-ant-admin01"
]
},
{
"id": "anthropic-api-key",
"source": "\\b(sk-ant-api03-[a-zA-Z0-9_\\-]{93}AA)(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"sk-ant-api03"
]
},
{
"id": "artifactory-api-key",
"source": "\\bAKCp[A-Za-z0-9]{69}\\b",
"flags": "",
"keywords": [
"akcp"
],
"entropy": 4.5
},
{
"id": "artifactory-reference-token",
"source": "\\bcmVmd[A-Za-z0-9]{59}\\b",
"flags": "",
"keywords": [
"cmvmd"
],
"entropy": 4.5
},
{
"id": "asana-client-id",
"source": "[\\w.-]{0,50}?(?:asana)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9]{16})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"asana"
]
},
{
"id": "asana-client-secret",
"source": "[\\w.-]{0,50}?(?:asana)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"asana"
]
},
{
"id": "atlassian-api-token",
"source": "[\\w.-]{0,50}?(?:(?-i:ATLASSIAN|[Aa]tlassian)|(?-i:CONFLUENCE|[Cc]onfluence)|(?-i:JIRA|[Jj]ira))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{20}[a-f0-9]{4})(?:[\\x60'\"\\s;]|\\\\[nr]|$)|\\b(ATATT3[A-Za-z0-9_\\-=]{186})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"atlassian",
"confluence",
"jira",
"atatt3"
],
"entropy": 3.5
},
{
"id": "authress-service-client-access-key",
"source": "\\b((?:sc|ext|scauth|authress)_(?i:[a-z0-9]{5,30}\\.[a-z0-9]{4,6}\\.(?-i:acc)[_-][a-z0-9-]{10,32}\\.[a-z0-9+/_=-]{30,120}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"sc_",
"ext_",
"scauth_",
"authress_"
],
"entropy": 2
},
{
"id": "aws-access-token",
"source": "\\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\\b",
"flags": "",
"keywords": [
"a3t",
"akia",
"asia",
"abia",
"acca"
],
"entropy": 3,
"allowlists": [
{
"target": "secret",
"regexes": [
{
"source": ".+EXAMPLE$",
"flags": ""
}
]
}
]
},
{
"id": "aws-amazon-bedrock-api-key-long-lived",
"source": "\\b(ABSK[A-Za-z0-9+/]{109,269}={0,2})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"absk"
],
"entropy": 3
},
{
"id": "aws-amazon-bedrock-api-key-short-lived",
"source": "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t",
"flags": "",
"keywords": [
"bedrock-api-key-"
],
"entropy": 3
},
{
"id": "azure-ad-client-secret",
"source": "(?:^|[\\\\'\"\\x60\\s>=:(,)])([a-zA-Z0-9_~.]{3}\\dQ~[a-zA-Z0-9_~.-]{31,34})(?:$|[\\\\'\"\\x60\\s<),])",
"flags": "",
"keywords": [
"q~"
],
"entropy": 3
},
{
"id": "beamer-api-token",
"source": "[\\w.-]{0,50}?(?:beamer)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(b_[a-z0-9=_\\-]{44})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"beamer"
]
},
{
"id": "bitbucket-client-id",
"source": "[\\w.-]{0,50}?(?:bitbucket)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"bitbucket"
]
},
{
"id": "bitbucket-client-secret",
"source": "[\\w.-]{0,50}?(?:bitbucket)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"bitbucket"
]
},
{
"id": "bittrex-access-key",
"source": "[\\w.-]{0,50}?(?:bittrex)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"bittrex"
]
},
{
"id": "bittrex-secret-key",
"source": "[\\w.-]{0,50}?(?:bittrex)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"bittrex"
]
},
{
"id": "cisco-meraki-api-key",
"source": "[\\w.-]{0,50}?(?i:[\\w.-]{0,50}?(?:(?-i:[Mm]eraki|MERAKI))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3})(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9a-f]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"meraki"
],
"entropy": 3
},
{
"id": "clickhouse-cloud-api-secret-key",
"source": "\\b(4b1d[A-Za-z0-9]{38})\\b",
"flags": "",
"keywords": [
"4b1d"
],
"entropy": 3
},
{
"id": "clojars-api-token",
"source": "CLOJARS_[a-z0-9]{60}",
"flags": "i",
"keywords": [
"clojars_"
],
"entropy": 2
},
{
"id": "cloudflare-api-key",
"source": "[\\w.-]{0,50}?(?:cloudflare)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9_-]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"cloudflare"
],
"entropy": 2
},
{
"id": "cloudflare-global-api-key",
"source": "[\\w.-]{0,50}?(?:cloudflare)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{37})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"cloudflare"
],
"entropy": 2
},
{
"id": "cloudflare-origin-ca-key",
"source": "\\b(v1\\.0-[a-f0-9]{24}-[a-f0-9]{146})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"cloudflare",
"v1.0-"
],
"entropy": 2
},
{
"id": "codecov-access-token",
"source": "[\\w.-]{0,50}?(?:codecov)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"codecov"
]
},
{
"id": "cohere-api-token",
"source": "[\\w.-]{0,50}?(?i:[\\w.-]{0,50}?(?:cohere|CO_API_KEY)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3})(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-zA-Z0-9]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"cohere",
"co_api_key"
],
"entropy": 4
},
{
"id": "coinbase-access-token",
"source": "[\\w.-]{0,50}?(?:coinbase)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9_-]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"coinbase"
]
},
{
"id": "confluent-access-token",
"source": "[\\w.-]{0,50}?(?:confluent)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{16})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"confluent"
]
},
{
"id": "confluent-secret-key",
"source": "[\\w.-]{0,50}?(?:confluent)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"confluent"
]
},
{
"id": "contentful-delivery-api-token",
"source": "[\\w.-]{0,50}?(?:contentful)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{43})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"contentful"
]
},
{
"id": "curl-auth-header",
"source": "\\bcurl\\b(?:.*?|.*?(?:[\\r\\n]{1,2}.*?){1,5})[ \\t\\n\\r](?:-H|--header)(?:=|[ \\t]{0,5})(?:\"(?i:(?:Authorization:[ \\t]{0,5}(?:Basic[ \\t]([a-z0-9+/]{8,}={0,3})|(?:Bearer|(?:Api-)?Token)[ \\t]([\\w=~@.+/-]{8,})|([\\w=~@.+/-]{8,}))|(?:(?:X-(?:[a-z]+-)?)?(?:Api-?)?(?:Key|Token)):[ \\t]{0,5}([\\w=~@.+/-]{8,}))\"|'(?i:(?:Authorization:[ \\t]{0,5}(?:Basic[ \\t]([a-z0-9+/]{8,}={0,3})|(?:Bearer|(?:Api-)?Token)[ \\t]([\\w=~@.+/-]{8,})|([\\w=~@.+/-]{8,}))|(?:(?:X-(?:[a-z]+-)?)?(?:Api-?)?(?:Key|Token)):[ \\t]{0,5}([\\w=~@.+/-]{8,}))')))(?:\\B|\\s|(?![\\s\\S]))",
"flags": "",
"keywords": [
"curl"
],
"entropy": 2.75
},
{
"id": "curl-auth-user",
"source": "\\bcurl\\b(?:.*|.*(?:[\\r\\n]{1,2}.*){1,5})[ \\t\\n\\r](?:-u|--user)(?:=|[ \\t]{0,5})(\"(:[^\"]{3,}|[^:\"]{3,}:|[^:\"]{3,}:[^\"]{3,})\"|'([^:']{3,}:[^']{3,})'|((?:\"[^\"]{3,}\"|'[^']{3,}'|[\\w$@.-]+):(?:\"[^\"]{3,}\"|'[^']{3,}'|[\\w${}@.-]+)))(?:\\s|(?![\\s\\S]))",
"flags": "",
"keywords": [
"curl"
],
"entropy": 2,
"allowlists": [
{
"target": "secret",
"regexes": [
{
"source": "[^:]+:(?:change(?:it|me)|pass(?:word)?|pwd|test|token|\\*+|x+)",
"flags": ""
},
{
"source": "['\"]?<[^>]+>['\"]?:['\"]?<[^>]+>|<[^:]+:[^>]+>['\"]?",
"flags": ""
},
{
"source": "[^:]+:\\[[^]]+]",
"flags": ""
},
{
"source": "['\"]?[^:]+['\"]?:['\"]?\\$(?:\\d|\\w+|\\{(?:\\d|\\w+)})['\"]?",
"flags": ""
},
{
"source": "\\$\\([^)]+\\):\\$\\([^)]+\\)",
"flags": ""
},
{
"source": "['\"]?\\$?{{[^}]+}}['\"]?:['\"]?\\$?{{[^}]+}}['\"]?",
"flags": ""
}
]
}
]
},
{
"id": "databricks-api-token",
"source": "\\b(dapi[a-f0-9]{32}(?:-\\d)?)(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"dapi"
],
"entropy": 3
},
{
"id": "datadog-access-token",
"source": "[\\w.-]{0,50}?(?:datadog)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"datadog"
]
},
{
"id": "defined-networking-api-token",
"source": "[\\w.-]{0,50}?(?:dnkey)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(dnkey-[a-z0-9=_\\-]{26}-[a-z0-9=_\\-]{52})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"dnkey"
]
},
{
"id": "digitalocean-access-token",
"source": "\\b(doo_v1_[a-f0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"doo_v1_"
],
"entropy": 3
},
{
"id": "digitalocean-pat",
"source": "\\b(dop_v1_[a-f0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"dop_v1_"
],
"entropy": 3
},
{
"id": "digitalocean-refresh-token",
"source": "\\b(dor_v1_[a-f0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"dor_v1_"
]
},
{
"id": "discord-api-token",
"source": "[\\w.-]{0,50}?(?:discord)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"discord"
]
},
{
"id": "discord-client-id",
"source": "[\\w.-]{0,50}?(?:discord)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9]{18})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"discord"
],
"entropy": 2
},
{
"id": "discord-client-secret",
"source": "[\\w.-]{0,50}?(?:discord)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"discord"
],
"entropy": 2
},
{
"id": "doppler-api-token",
"source": "dp\\.pt\\.(?i:[a-z0-9]{43})",
"flags": "",
"keywords": [
"dp.pt."
],
"entropy": 2
},
{
"id": "droneci-access-token",
"source": "[\\w.-]{0,50}?(?:droneci)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"droneci"
]
},
{
"id": "dropbox-api-token",
"source": "[\\w.-]{0,50}?(?:dropbox)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{15})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"dropbox"
]
},
{
"id": "dropbox-long-lived-api-token",
"source": "[\\w.-]{0,50}?(?:dropbox)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{11}(AAAAAAAAAA)[a-z0-9\\-_=]{43})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"dropbox"
]
},
{
"id": "dropbox-short-lived-api-token",
"source": "[\\w.-]{0,50}?(?:dropbox)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(sl\\.[a-z0-9\\-=_]{135})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"dropbox"
]
},
{
"id": "duffel-api-token",
"source": "duffel_(?:test|live)_(?i:[a-z0-9_\\-=]{43})",
"flags": "",
"keywords": [
"duffel_"
],
"entropy": 2
},
{
"id": "dynatrace-api-token",
"source": "dt0c01\\.(?i:[a-z0-9]{24}\\.[a-z0-9]{64})",
"flags": "",
"keywords": [
"dt0c01."
],
"entropy": 4
},
{
"id": "easypost-api-token",
"source": "\\bEZAK(?i:[a-z0-9]{54}\\b)",
"flags": "",
"keywords": [
"ezak"
],
"entropy": 2
},
{
"id": "easypost-test-api-token",
"source": "\\bEZTK(?i:[a-z0-9]{54}\\b)",
"flags": "",
"keywords": [
"eztk"
],
"entropy": 2
},
{
"id": "etsy-access-token",
"source": "[\\w.-]{0,50}?(?:(?-i:ETSY|[Ee]tsy))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{24})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"etsy"
],
"entropy": 3
},
{
"id": "facebook-access-token",
"source": "\\b(\\d{15,16}(\\||%)[0-9a-z\\-_]{27,40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"facebook"
],
"entropy": 3
},
{
"id": "facebook-page-access-token",
"source": "\\b(EAA[MC](?i:[a-z0-9]{100,}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"eaam",
"eaac"
],
"entropy": 4
},
{
"id": "facebook-secret",
"source": "[\\w.-]{0,50}?(?:facebook)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"facebook"
],
"entropy": 3
},
{
"id": "fastly-api-token",
"source": "[\\w.-]{0,50}?(?:fastly)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"fastly"
]
},
{
"id": "finicity-api-token",
"source": "[\\w.-]{0,50}?(?:finicity)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"finicity"
]
},
{
"id": "finicity-client-secret",
"source": "[\\w.-]{0,50}?(?:finicity)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{20})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"finicity"
]
},
{
"id": "finnhub-access-token",
"source": "[\\w.-]{0,50}?(?:finnhub)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{20})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"finnhub"
]
},
{
"id": "flickr-access-token",
"source": "[\\w.-]{0,50}?(?:flickr)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"flickr"
]
},
{
"id": "flutterwave-encryption-key",
"source": "FLWSECK_TEST-(?i:[a-h0-9]{12})",
"flags": "",
"keywords": [
"flwseck_test"
],
"entropy": 2
},
{
"id": "flutterwave-public-key",
"source": "FLWPUBK_TEST-(?i:[a-h0-9]{32}-X)",
"flags": "",
"keywords": [
"flwpubk_test"
],
"entropy": 2
},
{
"id": "flutterwave-secret-key",
"source": "FLWSECK_TEST-(?i:[a-h0-9]{32}-X)",
"flags": "",
"keywords": [
"flwseck_test"
],
"entropy": 2
},
{
"id": "flyio-access-token",
"source": "\\b((?:fo1_[\\w-]{43}|fm1[ar]_[a-zA-Z0-9+\\/]{100,}={0,3}|fm2_[a-zA-Z0-9+\\/]{100,}={0,3}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"fo1_",
"fm1",
"fm2_"
],
"entropy": 4
},
{
"id": "frameio-api-token",
"source": "fio-u-(?i:[a-z0-9\\-_=]{64})",
"flags": "",
"keywords": [
"fio-u-"
]
},
{
"id": "freemius-secret-key",
"source": "[\"']secret_key[\"']\\s*=>\\s*[\"'](sk_[\\S]{29})[\"']",
"flags": "i",
"keywords": [
"secret_key"
]
},
{
"id": "freshbooks-access-token",
"source": "[\\w.-]{0,50}?(?:freshbooks)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"freshbooks"
]
},
{
"id": "gcp-api-key",
"source": "\\b(AIza[\\w-]{35})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"aiza"
],
"entropy": 4,
"allowlists": [
{
"target": "secret",
"regexes": [
{
"source": "AIzaSyabcdefghijklmnopqrstuvwxyz1234567",
"flags": ""
},
{
"source": "AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs",
"flags": ""
},
{
"source": "AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM",
"flags": ""
},
{
"source": "AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU",
"flags": ""
},
{
"source": "AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0",
"flags": ""
},
{
"source": "AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A",
"flags": ""
},
{
"source": "AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c",
"flags": ""
},
{
"source": "AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4",
"flags": ""
},
{
"source": "AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY",
"flags": ""
},
{
"source": "AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM",
"flags": ""
},
{
"source": "AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ",
"flags": ""
},
{
"source": "AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g",
"flags": ""
},
{
"source": "AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU",
"flags": ""
},
{
"source": "AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw",
"flags": ""
},
{
"source": "AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE",
"flags": ""
},
{
"source": "AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY",
"flags": ""
}
]
}
]
},
{
"id": "generic-api-key",
"source": "[\\w.-]{0,50}?(?:access|auth|(?-i:[Aa]pi|API)|credential|creds|key|passw(?:or)?d|secret|token)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([\\w.=-]{10,150}|[a-z0-9][a-z0-9+/]{11,}={0,3})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"access",
"api",
"auth",
"key",
"credential",
"creds",
"passwd",
"password",
"secret",
"token"
],
"entropy": 3.5,
"allowlists": [
{
"target": "secret",
"regexes": [
{
"source": "^[a-zA-Z_.-]+$",
"flags": ""
}
]
},
{
"target": "match",
"regexes": [
{
"source": "(?:access(?:ibility|or)|access[_.-]?id|random[_.-]?access|api[_.-]?(?:id|name|version)|rapid|capital|[a-z0-9-]*?api[a-z0-9-]*?:jar:|author|X-MS-Exchange-Organization-Auth|Authentication-Results|(?:credentials?[_.-]?id|withCredentials)|(?:bucket|foreign|hot|idx|natural|primary|pub(?:lic)?|schema|sequence)[_.-]?key|(?:turkey)|key[_.-]?(?:alias|board|code|frame|id|length|mesh|name|pair|press(?:ed)?|ring|selector|signature|size|stone|storetype|word|up|down|left|right)|key[_.-]?vault[_.-]?(?:id|name)|keyVaultToStoreSecrets|key(?:store|tab)[_.-]?(?:file|path)|issuerkeyhash|(?-i:[DdMm]onkey|[DM]ONKEY)|keying|(?:secret)[_.-]?(?:length|name|size)|UserSecretsId|(?:csrf)[_.-]?token|(?:io\\.jsonwebtoken[ \\t]?:[ \\t]?[\\w-]+)|(?:api|credentials|token)[_.-]?(?:endpoint|ur[il])|public[_.-]?token|(?:key|token)[_.-]?file|(?-i:(?:[A-Z_]+=\\n[A-Z_]+=|[a-z_]+=\\n[a-z_]+=)(?:\\n|(?![\\s\\S])))|(?-i:(?:[A-Z.]+=\\n[A-Z.]+=|[a-z.]+=\\n[a-z.]+=)(?:\\n|(?![\\s\\S]))))",
"flags": "i"
}
],
"stopwords": [
"000000",
"6fe4476ee5a1832882e326b506d14126",
"_ec2_",
"aaaaaa",
"about",
"abstract",
"academy",
"acces",
"account",
"act-",
"act.",
"act_",
"action",
"active",
"actively",
"activity",
"adapter",
"add-",
"add-on",
"add.",
"add_",
"addon",
"addres",
"admin",
"adobe",
"advanced",
"adventure",
"agent",
"agile",
"air-",
"air.",
"air_",
"ajax",
"akka",
"alert",
"alfred",
"algorithm",
"all-",
"all.",
"all_",
"alloy",
"alpha",
"amazon",
"amqp",
"analysi",
"analytic",
"analyzer",
"android",
"angular",
"angularj",
"animate",
"animation",
"another",
"ansible",
"answer",
"ant-",
"ant.",
"ant_",
"any-",
"any.",
"any_",
"apache",
"app-",
"app.",
"app_",
"apple",
"arch",
"archive",
"archived",
"arduino",
"array",
"art-",
"art.",
"art_",
"article",
"asp-",
"asp.",
"asp_",
"asset",
"async",
"atom",
"attention",
"audio",
"audit",
"aura",
"auth",
"author",
"authorize",
"auto",
"automated",
"automatic",
"awesome",
"aws_",
"azure",
"back",
"backbone",
"backend",
"backup",
"bar-",
"bar.",
"bar_",
"base",
"based",
"bash",
"basic",
"batch",
"been",
"beer",
"behavior",
"being",
"benchmark",
"best",
"beta",
"better",
"big-",
"big.",
"big_",
"binary",
"binding",
"bit-",
"bit.",
"bit_",
"bitcoin",
"block",
"blog",
"board",
"book",
"bookmark",
"boost",
"boot",
"bootstrap",
"bosh",
"bot-",
"bot.",
"bot_",
"bower",
"box-",
"box.",
"box_",
"boxen",
"bracket",
"branch",
"bridge",
"browser",
"brunch",
"buffer",
"bug-",
"bug.",
"bug_",
"build",
"builder",
"building",
"buildout",
"buildpack",
"built",
"bundle",
"busines",
"but-",
"but.",
"but_",
"button",
"cache",
"caching",
"cakephp",
"calendar",
"call",
"camera",
"campfire",
"can-",
"can.",
"can_",
"canva",
"captcha",
"capture",
"card",
"carousel",
"case",
"cassandra",
"cat-",
"cat.",
"cat_",
"category",
"center",
"cento",
"challenge",
"change",
"changelog",
"channel",
"chart",
"chat",
"cheat",
"check",
"checker",
"chef",
"ches",
"chinese",
"chosen",
"chrome",
"ckeditor",
"clas",
"classe",
"classic",
"clean",
"cli-",
"cli.",
"cli_",
"client",
"clojure",
"clone",
"closure",
"cloud",
"club",
"cluster",
"cms-",
"cms_",
"coco",
"code",
"coding",
"coffee",
"color",
"combination",
"combo",
"command",
"commander",
"comment",
"commit",
"common",
"community",
"compas",
"compiler",
"complete",
"component",
"composer",
"computer",
"computing",
"con-",
"con.",
"con_",
"concept",
"conf",
"config",
"connect",
"connector",
"console",
"contact",
"container",
"contao",
"content",
"contest",
"context",
"control",
"convert",
"converter",
"conway'",
"cookbook",
"cookie",
"cool",
"copy",
"cordova",
"core",
"couchbase",
"couchdb",
"countdown",
"counter",
"course",
"craft",
"crawler",
"create",
"creating",
"creator",
"credential",
"crm-",
"crm.",
"crm_",
"cros",
"crud",
"csv-",
"csv.",
"csv_",
"cube",
"cucumber",
"cuda",
"current",
"currently",
"custom",
"daemon",
"dark",
"dart",
"dash",
"dashboard",
"data",
"database",
"date",
"day-",
"day.",
"day_",
"dead",
"debian",
"debug",
"debugger",
"deck",
"define",
"del-",
"del.",
"del_",
"delete",
"demo",
"deploy",
"design",
"designer",
"desktop",
"detection",
"detector",
"dev-",
"dev.",
"dev_",
"develop",
"developer",
"device",
"devise",
"diff",
"digital",
"directive",
"directory",
"discovery",
"display",
"django",
"dns-",
"dns_",
"doc-",
"doc.",
"doc_",
"docker",
"docpad",
"doctrine",
"document",
"doe-",
"doe.",
"doe_",
"dojo",
"dom-",
"dom.",
"dom_",
"domain",
"don't",
"done",
"dot-",
"dot.",
"dot_",
"dotfile",
"download",
"draft",
"drag",
"drill",
"drive",
"driven",
"driver",
"drop",
"dropbox",
"drupal",
"dsl-",
"dsl.",
"dsl_",
"dynamic",
"easy",
"ecdsa",
"eclipse",
"edit",
"editing",
"edition",
"editor",
"element",
"emac",
"email",
"embed",
"embedded",
"ember",
"emitter",
"emulator",
"encoding",
"endpoint",
"engine",
"english",
"enhanced",
"entity",
"entry",
"env_",
"episode",
"erlang",
"error",
"espresso",
"event",
"evented",
"example",
"exchange",
"exercise",
"experiment",
"expire",
"exploit",
"explorer",
"export",
"exporter",
"expres",
"ext-",
"ext.",
"ext_",
"extended",
"extension",
"external",
"extra",
"extractor",
"fabric",
"facebook",
"factory",
"fake",
"fast",
"feature",
"feed",
"fewfwef",
"ffmpeg",
"field",
"file",
"filter",
"find",
"finder",
"firefox",
"firmware",
"first",
"fish",
"fix-",
"fix_",
"flash",
"flask",
"flat",
"flex",
"flexible",
"flickr",
"flow",
"fluent",
"fluentd",
"fluid",
"folder",
"font",
"force",
"foreman",
"fork",
"form",
"format",
"formatter",
"forum",
"foundry",
"framework",
"free",
"friend",
"friendly",
"front-end",
"frontend",
"ftp-",
"ftp.",
"ftp_",
"fuel",
"full",
"fun-",
"fun.",
"fun_",
"func",
"future",
"gaia",
"gallery",
"game",
"gateway",
"gem-",
"gem.",
"gem_",
"gen-",
"gen.",
"gen_",
"general",
"generator",
"generic",
"genetic",
"get-",
"get.",
"get_",
"getenv",
"getting",
"ghost",
"gist",
"git-",
"git.",
"git_",
"github",
"gitignore",
"gitlab",
"glas",
"gmail",
"gnome",
"gnu-",
"gnu.",
"gnu_",
"goal",
"golang",
"gollum",
"good",
"google",
"gpu-",
"gpu.",
"gpu_",
"gradle",
"grail",
"graph",
"graphic",
"great",
"grid",
"groovy",
"group",
"grunt",
"guard",
"gui-",
"gui.",
"gui_",
"guide",
"guideline",
"gulp",
"gwt-",
"gwt.",
"gwt_",
"hack",
"hackathon",
"hacker",
"hacking",
"hadoop",
"haml",
"handler",
"hardware",
"has-",
"has_",
"hash",
"haskell",
"have",
"haxe",
"hello",
"help",
"helper",
"here",
"hero",
"heroku",
"high",
"hipchat",
"history",
"home",
"homebrew",
"homepage",
"hook",
"host",
"hosting",
"hot-",
"hot.",
"hot_",
"house",
"how-",
"how.",
"how_",
"html",
"http",
"hub-",
"hub.",
"hub_",
"hubot",
"human",
"icon",
"ide-",
"ide.",
"ide_",
"idea",
"identity",
"idiomatic",
"image",
"impact",
"import",
"important",
"importer",
"impres",
"index",
"infinite",
"info",
"injection",
"inline",
"input",
"inside",
"inspector",
"instagram",
"install",
"installer",
"instant",
"intellij",
"interface",
"internet",
"interview",
"into",
"intro",
"ionic",
"iphone",
"ipython",
"irc-",
"irc_",
"iso-",
"iso.",
"iso_",
"issue",
"jade",
"jasmine",
"java",
"jbos",
"jekyll",
"jenkin",
"jetbrains",
"job-",
"job.",
"job_",
"joomla",
"jpa-",
"jpa.",
"jpa_",
"jquery",
"json",
"just",
"kafka",
"karma",
"kata",
"kernel",
"keyboard",
"kindle",
"kit-",
"kit.",
"kit_",
"kitchen",
"knife",
"koan",
"kohana",
"lab-",
"lab.",
"lab_",
"lambda",
"lamp",
"language",
"laravel",
"last",
"latest",
"latex",
"launcher",
"layer",
"layout",
"lazy",
"ldap",
"leaflet",
"league",
"learn",
"learning",
"led-",
"led.",
"led_",
"leetcode",
"les-",
"les.",
"les_",
"level",
"leveldb",
"lib-",
"lib.",
"lib_",
"librarie",
"library",
"license",
"life",
"liferay",
"light",
"lightbox",
"like",
"line",
"link",
"linked",
"linkedin",
"linux",
"lisp",
"list",
"lite",
"little",
"load",
"loader",
"local",
"location",
"lock",
"log-",
"log.",
"log_",
"logger",
"logging",
"logic",
"login",
"logstash",
"longer",
"look",
"love",
"lua-",
"lua.",
"lua_",
"mac-",
"mac.",
"mac_",
"machine",
"made",
"magento",
"magic",
"mail",
"make",
"maker",
"making",
"man-",
"man.",
"man_",
"manage",
"manager",
"manifest",
"manual",
"map-",
"map.",
"map_",
"mapper",
"mapping",
"markdown",
"markup",
"master",
"math",
"matrix",
"maven",
"md5",
"mean",
"media",
"mediawiki",
"meetup",
"memcached",
"memory",
"menu",
"merchant",
"message",
"messaging",
"meta",
"metadata",
"meteor",
"method",
"metric",
"micro",
"middleman",
"migration",
"minecraft",
"miner",
"mini",
"minimal",
"mirror",
"mit-",
"mit.",
"mit_",
"mobile",
"mocha",
"mock",
"mod-",
"mod.",
"mod_",
"mode",
"model",
"modern",
"modular",
"module",
"modx",
"money",
"mongo",
"mongodb",
"mongoid",
"mongoose",
"monitor",
"monkey",
"more",
"motion",
"moved",
"movie",
"mozilla",
"mqtt",
"mule",
"multi",
"multiple",
"music",
"mustache",
"mvc-",
"mvc.",
"mvc_",
"mysql",
"nagio",
"name",
"native",
"need",
"neo-",
"neo.",
"neo_",
"nest",
"nested",
"net-",
"net.",
"net_",
"nette",
"network",
"new-",
"new.",
"new_",
"next",
"nginx",
"ninja",
"nlp-",
"nlp.",
"nlp_",
"node",
"nodej",
"nosql",
"not-",
"not.",
"not_",
"note",
"notebook",
"notepad",
"notice",
"notifier",
"now-",
"now.",
"now_",
"number",
"oauth",
"object",
"objective",
"obsolete",
"ocaml",
"octopres",
"official",
"old-",
"old.",
"old_",
"onboard",
"online",
"only",
"open",
"opencv",
"opengl",
"openshift",
"openwrt",
"option",
"oracle",
"org-",
"org.",
"org_",
"origin",
"original",
"orm-",
"orm.",
"orm_",
"osx-",
"osx_",
"our-",
"our.",
"our_",
"out-",
"out.",
"out_",
"output",
"over",
"overview",
"own-",
"own.",
"own_",
"pack",
"package",
"packet",
"page",
"panel",
"paper",
"paperclip",
"para",
"parallax",
"parallel",
"parse",
"parser",
"parsing",
"particle",
"party",
"password",
"patch",
"path",
"pattern",
"payment",
"paypal",
"pdf-",
"pdf.",
"pdf_",
"pebble",
"people",
"perl",
"personal",
"phalcon",
"phoenix",
"phone",
"phonegap",
"photo",
"php-",
"php.",
"php_",
"physic",
"picker",
"pipeline",
"platform",
"play",
"player",
"please",
"plu-",
"plu.",
"plu_",
"plug-in",
"plugin",
"plupload",
"png-",
"png.",
"png_",
"poker",
"polyfill",
"polymer",
"pool",
"pop-",
"pop.",
"pop_",
"popcorn",
"popup",
"port",
"portable",
"portal",
"portfolio",
"post",
"power",
"powered",
"powerful",
"prelude",
"pretty",
"preview",
"principle",
"print",
"pro-",
"pro.",
"pro_",
"problem",
"proc",
"product",
"profile",
"profiler",
"program",
"progres",
"project",
"protocol",
"prototype",
"provider",
"proxy",
"public",
"pull",
"puppet",
"pure",
"purpose",
"push",
"pusher",
"pyramid",
"python",
"quality",
"query",
"queue",
"quick",
"rabbitmq",
"rack",
"radio",
"rail",
"railscast",
"random",
"range",
"raspberry",
"rdf-",
"rdf.",
"rdf_",
"react",
"reactive",
"read",
"reader",
"readme",
"ready",
"real",
"real-time",
"reality",
"realtime",
"recipe",
"recorder",
"red-",
"red.",
"red_",
"reddit",
"redi",
"redmine",
"reference",
"refinery",
"refresh",
"registry",
"related",
"release",
"remote",
"rendering",
"repo",
"report",
"request",
"require",
"required",
"requirej",
"research",
"resource",
"response",
"resque",
"rest",
"restful",
"resume",
"reveal",
"reverse",
"review",
"riak",
"rich",
"right",
"ring",
"robot",
"role",
"room",
"router",
"routing",
"rpc-",
"rpc.",
"rpc_",
"rpg-",
"rpg.",
"rpg_",
"rspec",
"ruby-",
"ruby.",
"ruby_",
"rule",
"run-",
"run.",
"run_",
"runner",
"running",
"runtime",
"rust",
"rvm-",
"rvm.",
"rvm_",
"salt",
"sample",
"sandbox",
"sas-",
"sas.",
"sas_",
"sbt-",
"sbt.",
"sbt_",
"scala",
"scalable",
"scanner",
"schema",
"scheme",
"school",
"science",
"scraper",
"scratch",
"screen",
"script",
"scroll",
"scs-",
"scs.",
"scs_",
"sdk-",
"sdk.",
"sdk_",
"sdl-",
"sdl.",
"sdl_",
"search",
"secure",
"security",
"see-",
"see.",
"see_",
"seed",
"select",
"selector",
"selenium",
"semantic",
"sencha",
"send",
"sentiment",
"serie",
"server",
"service",
"session",
"set-",
"set.",
"set_",
"setting",
"setup",
"sha1",
"sha2",
"sha256",
"share",
"shared",
"sharing",
"sheet",
"shell",
"shield",
"shipping",
"shop",
"shopify",
"shortener",
"should",
"show",
"showcase",
"side",
"silex",
"simple",
"simulator",
"single",
"site",
"skeleton",
"sketch",
"skin",
"slack",
"slide",
"slider",
"slim",
"small",
"smart",
"smtp",
"snake",
"snapshot",
"snippet",
"soap",
"social",
"socket",
"software",
"solarized",
"solr",
"solution",
"solver",
"some",
"soon",
"source",
"space",
"spark",
"spatial",
"spec",
"sphinx",
"spine",
"spotify",
"spree",
"spring",
"sprite",
"sql-",
"sql.",
"sql_",
"sqlite",
"ssh-",
"ssh.",
"ssh_",
"stack",
"staging",
"standard",
"stanford",
"start",
"started",
"starter",
"startup",
"stat",
"statamic",
"state",
"static",
"statistic",
"statsd",
"statu",
"steam",
"step",
"still",
"stm-",
"stm.",
"stm_",
"storage",
"store",
"storm",
"story",
"strategy",
"stream",
"streaming",
"string",
"stripe",
"structure",
"studio",
"study",
"stuff",
"style",
"sublime",
"sugar",
"suite",
"summary",
"super",
"support",
"supported",
"svg-",
"svg.",
"svg_",
"svn-",
"svn.",
"svn_",
"swagger",
"swift",
"switch",
"switcher",
"symfony",
"symphony",
"sync",
"synopsi",
"syntax",
"system",
"tab-",
"tab.",
"tab_",
"table",
"tag-",
"tag.",
"tag_",
"talk",
"target",
"task",
"tcp-",
"tcp.",
"tcp_",
"tdd-",
"tdd.",
"tdd_",
"team",
"tech",
"template",
"term",
"terminal",
"testing",
"tetri",
"text",
"textmate",
"theme",
"theory",
"three",
"thrift",
"time",
"timeline",
"timer",
"tiny",
"tinymce",
"tip-",
"tip.",
"tip_",
"title",
"todo",
"todomvc",
"token",
"tool",
"toolbox",
"toolkit",
"top-",
"top.",
"top_",
"tornado",
"touch",
"tower",
"tracker",
"tracking",
"traffic",
"training",
"transfer",
"translate",
"transport",
"tree",
"trello",
"try-",
"try.",
"try_",
"tumblr",
"tut-",
"tut.",
"tut_",
"tutorial",
"tweet",
"twig",
"twitter",
"type",
"typo",
"ubuntu",
"uiview",
"ultimate",
"under",
"unit",
"unity",
"universal",
"unix",
"update",
"updated",
"upgrade",
"upload",
"uploader",
"uri-",
"uri.",
"uri_",
"url-",
"url.",
"url_",
"usage",
"usb-",
"usb.",
"usb_",
"use-",
"use.",
"use_",
"used",
"useful",
"user",
"using",
"util",
"utilitie",
"utility",
"vagrant",
"validator",
"value",
"variou",
"varnish",
"version",
"via-",
"via.",
"via_",
"video",
"view",
"viewer",
"vim-",
"vim.",
"vim_",
"vimrc",
"virtual",
"vision",
"visual",
"vpn",
"want",
"warning",
"watch",
"watcher",
"wave",
"way-",
"way.",
"way_",
"weather",
"web-",
"web_",
"webapp",
"webgl",
"webhook",
"webkit",
"webrtc",
"website",
"websocket",
"welcome",
"what",
"what'",
"when",
"where",
"which",
"why-",
"why.",
"why_",
"widget",
"wifi",
"wiki",
"win-",
"win.",
"win_",
"window",
"wip-",
"wip.",
"wip_",
"within",
"without",
"wizard",
"word",
"wordpres",
"work",
"worker",
"workflow",
"working",
"workshop",
"world",
"wrapper",
"write",
"writer",
"writing",
"written",
"www-",
"www.",
"www_",
"xamarin",
"xcode",
"xml-",
"xml.",
"xml_",
"xmpp",
"xxxxxx",
"yahoo",
"yaml",
"yandex",
"yeoman",
"yet-",
"yet.",
"yet_",
"yii-",
"yii.",
"yii_",
"youtube",
"yui-",
"yui.",
"yui_",
"zend",
"zero",
"zip-",
"zip.",
"zip_",
"zsh-",
"zsh.",
"zsh_"
]
},
{
"target": "line",
"regexes": [
{
"source": "--mount=type=secret,",
"flags": ""
},
{
"source": "import[ \\t]+{[ \\t\\w,]+}[ \\t]+from[ \\t]+['\"][^'\"]+['\"]",
"flags": ""
}
]
}
]
},
{
"id": "github-app-token",
"source": "(?:ghu|ghs)_[0-9a-zA-Z]{36}",
"flags": "",
"keywords": [
"ghu_",
"ghs_"
],
"entropy": 3
},
{
"id": "github-fine-grained-pat",
"source": "github_pat_\\w{82}",
"flags": "",
"keywords": [
"github_pat_"
],
"entropy": 3
},
{
"id": "github-oauth",
"source": "gho_[0-9a-zA-Z]{36}",
"flags": "",
"keywords": [
"gho_"
],
"entropy": 3
},
{
"id": "github-pat",
"source": "ghp_[0-9a-zA-Z]{36}",
"flags": "",
"keywords": [
"ghp_"
],
"entropy": 3
},
{
"id": "github-refresh-token",
"source": "ghr_[0-9a-zA-Z]{36}",
"flags": "",
"keywords": [
"ghr_"
],
"entropy": 3
},
{
"id": "gitlab-cicd-job-token",
"source": "glcbt-[0-9a-zA-Z]{1,5}_[0-9a-zA-Z_-]{20}",
"flags": "",
"keywords": [
"glcbt-"
],
"entropy": 3
},
{
"id": "gitlab-deploy-token",
"source": "gldt-[0-9a-zA-Z_\\-]{20}",
"flags": "",
"keywords": [
"gldt-"
],
"entropy": 3
},
{
"id": "gitlab-feature-flag-client-token",
"source": "glffct-[0-9a-zA-Z_\\-]{20}",
"flags": "",
"keywords": [
"glffct-"
],
"entropy": 3
},
{
"id": "gitlab-feed-token",
"source": "glft-[0-9a-zA-Z_\\-]{20}",
"flags": "",
"keywords": [
"glft-"
],
"entropy": 3
},
{
"id": "gitlab-incoming-mail-token",
"source": "glimt-[0-9a-zA-Z_\\-]{25}",
"flags": "",
"keywords": [
"glimt-"
],
"entropy": 3
},
{
"id": "gitlab-kubernetes-agent-token",
"source": "glagent-[0-9a-zA-Z_\\-]{50}",
"flags": "",
"keywords": [
"glagent-"
],
"entropy": 3
},
{
"id": "gitlab-oauth-app-secret",
"source": "gloas-[0-9a-zA-Z_\\-]{64}",
"flags": "",
"keywords": [
"gloas-"
],
"entropy": 3
},
{
"id": "gitlab-pat",
"source": "glpat-[\\w-]{20}",
"flags": "",
"keywords": [
"glpat-"
],
"entropy": 3
},
{
"id": "gitlab-pat-routable",
"source": "\\bglpat-[0-9a-zA-Z_-]{27,300}\\.[0-9a-z]{2}[0-9a-z]{7}\\b",
"flags": "",
"keywords": [
"glpat-"
],
"entropy": 4
},
{
"id": "gitlab-ptt",
"source": "glptt-[0-9a-f]{40}",
"flags": "",
"keywords": [
"glptt-"
],
"entropy": 3
},
{
"id": "gitlab-rrt",
"source": "GR1348941[\\w-]{20}",
"flags": "",
"keywords": [
"gr1348941"
],
"entropy": 3
},
{
"id": "gitlab-runner-authentication-token",
"source": "glrt-[0-9a-zA-Z_\\-]{20}",
"flags": "",
"keywords": [
"glrt-"
],
"entropy": 3
},
{
"id": "gitlab-runner-authentication-token-routable",
"source": "\\bglrt-t\\d_[0-9a-zA-Z_\\-]{27,300}\\.[0-9a-z]{2}[0-9a-z]{7}\\b",
"flags": "",
"keywords": [
"glrt-"
],
"entropy": 4
},
{
"id": "gitlab-scim-token",
"source": "glsoat-[0-9a-zA-Z_\\-]{20}",
"flags": "",
"keywords": [
"glsoat-"
],
"entropy": 3
},
{
"id": "gitlab-session-cookie",
"source": "_gitlab_session=[0-9a-z]{32}",
"flags": "",
"keywords": [
"_gitlab_session="
],
"entropy": 3
},
{
"id": "gitter-access-token",
"source": "[\\w.-]{0,50}?(?:gitter)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9_-]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"gitter"
]
},
{
"id": "gocardless-api-token",
"source": "[\\w.-]{0,50}?(?:gocardless)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(live_(?i:[a-z0-9\\-_=]{40}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"live_",
"gocardless"
]
},
{
"id": "grafana-api-key",
"source": "\\b(eyJrIjoi[A-Za-z0-9]{70,400}={0,3})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"eyjrijoi"
],
"entropy": 3
},
{
"id": "grafana-cloud-api-token",
"source": "\\b(glc_[A-Za-z0-9+/]{32,400}={0,3})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"glc_"
],
"entropy": 3
},
{
"id": "grafana-service-account-token",
"source": "\\b(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"glsa_"
],
"entropy": 3
},
{
"id": "harness-api-key",
"source": "(?:pat|sat)\\.[a-zA-Z0-9_-]{22}\\.[a-zA-Z0-9]{24}\\.[a-zA-Z0-9]{20}",
"flags": "",
"keywords": [
"pat.",
"sat."
]
},
{
"id": "hashicorp-tf-api-token",
"source": "[a-z0-9]{14}\\.(?-i:atlasv1)\\.[a-z0-9\\-_=]{60,70}",
"flags": "i",
"keywords": [
"atlasv1"
],
"entropy": 3.5
},
{
"id": "hashicorp-tf-password",
"source": "[\\w.-]{0,50}?(?:administrator_login_password|password)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(\"[a-z0-9=_\\-]{8,20}\")(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"administrator_login_password",
"password"
],
"entropy": 2
},
{
"id": "heroku-api-key",
"source": "[\\w.-]{0,50}?(?:heroku)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"heroku"
]
},
{
"id": "heroku-api-key-v2",
"source": "\\b((HRKU-AA[0-9a-zA-Z_-]{58}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"hrku-aa"
],
"entropy": 4
},
{
"id": "hubspot-api-key",
"source": "[\\w.-]{0,50}?(?:hubspot)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"hubspot"
]
},
{
"id": "huggingface-access-token",
"source": "\\b(hf_(?i:[a-z]{34}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"hf_"
],
"entropy": 2
},
{
"id": "huggingface-organization-api-token",
"source": "\\b(api_org_(?i:[a-z]{34}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"api_org_"
],
"entropy": 2
},
{
"id": "infracost-api-token",
"source": "\\b(ico-[a-zA-Z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"ico-"
],
"entropy": 3
},
{
"id": "intercom-api-key",
"source": "[\\w.-]{0,50}?(?:intercom)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{60})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"intercom"
]
},
{
"id": "intra42-client-secret",
"source": "\\b(s-s4t2(?:ud|af)-(?i:[abcdef0123456789]{64}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"intra",
"s-s4t2ud-",
"s-s4t2af-"
],
"entropy": 3
},
{
"id": "jfrog-api-key",
"source": "[\\w.-]{0,50}?(?:jfrog|artifactory|bintray|xray)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{73})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"jfrog",
"artifactory",
"bintray",
"xray"
]
},
{
"id": "jfrog-identity-token",
"source": "[\\w.-]{0,50}?(?:jfrog|artifactory|bintray|xray)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"jfrog",
"artifactory",
"bintray",
"xray"
]
},
{
"id": "jwt",
"source": "\\b(ey[a-zA-Z0-9]{17,}\\.ey[a-zA-Z0-9\\/\\\\_-]{17,}\\.(?:[a-zA-Z0-9\\/\\\\_-]{10,}={0,2})?)(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"ey"
],
"entropy": 3
},
{
"id": "jwt-base64",
"source": "\\bZXlK(?:(?<alg>aGJHY2lPaU)|(?<apu>aGNIVWlPaU)|(?<apv>aGNIWWlPaU)|(?<aud>aGRXUWlPaU)|(?<b64>aU5qUWlP)|(?<crit>amNtbDBJanBi)|(?<cty>amRIa2lPaU)|(?<epk>bGNHc2lPbn)|(?<enc>bGJtTWlPaU)|(?<jku>cWEzVWlPaU)|(?<jwk>cWQyc2lPb)|(?<iss>cGMzTWlPaU)|(?<iv>cGRpSTZJ)|(?<kid>cmFXUWlP)|(?<key_ops>clpYbGZiM0J6SWpwY)|(?<kty>cmRIa2lPaUp)|(?<nonce>dWIyNWpaU0k2)|(?<p2c>d01tTWlP)|(?<p2s>d01uTWlPaU)|(?<ppt>d2NIUWlPaU)|(?<sub>emRXSWlPaU)|(?<svt>emRuUWlP)|(?<tag>MFlXY2lPaU)|(?<typ>MGVYQWlPaUp)|(?<url>MWNtd2l)|(?<use>MWMyVWlPaUp)|(?<ver>MlpYSWlPaU)|(?<version>MlpYSnphVzl1SWpv)|(?<x>NElqb2)|(?<x5c>NE5XTWlP)|(?<x5t>NE5YUWlPaU)|(?<x5ts256>NE5YUWpVekkxTmlJNkl)|(?<x5u>NE5YVWlPaU)|(?<zip>NmFYQWlPaU))[a-zA-Z0-9\\/\\\\_+\\-\\r\\n]{40,}={0,2}",
"flags": "",
"keywords": [
"zxlk"
],
"entropy": 2
},
{
"id": "kraken-access-token",
"source": "[\\w.-]{0,50}?(?:kraken)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9\\/=_\\+\\-]{80,90})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"kraken"
]
},
{
"id": "kubernetes-secret-yaml",
"source": "(?:\\bkind:[ \\t]*[\"']?\\bsecret\\b[\"']?(?s:.){0,200}?\\bdata:(?s:.){0,100}?\\s+([\\w.-]+:(?:[ \\t]*(?:\\||>[-+]?)\\s+)?[ \\t]*(?:[\"']?[a-z0-9+/]{10,}={0,3}[\"']?|\\{\\{[ \\t\\w\"|$:=,.-]+}}|\"\"|''))|\\bdata:(?s:.){0,100}?\\s+([\\w.-]+:(?:[ \\t]*(?:\\||>[-+]?)\\s+)?[ \\t]*(?:[\"']?[a-z0-9+/]{10,}={0,3}[\"']?|\\{\\{[ \\t\\w\"|$:=,.-]+}}|\"\"|''))(?s:.){0,200}?\\bkind:[ \\t]*[\"']?\\bsecret\\b[\"']?)",
"flags": "i",
"keywords": [
"secret"
],
"allowlists": [
{
"target": "secret",
"regexes": [
{
"source": "[\\w.-]+:(?:[ \\t]*(?:\\||>[-+]?)\\s+)?[ \\t]*(?:\\{\\{[ \\t\\w\"|$:=,.-]+}}|\"\"|'')",
"flags": ""
}
]
},
{
"target": "match",
"regexes": [
{
"source": "(kind:(?s:.)+\\n---\\n(?s:.)+\\bdata:|data:(?s:.)+\\n---\\n(?s:.)+\\bkind:)",
"flags": ""
}
]
}
]
},
{
"id": "kucoin-access-token",
"source": "[\\w.-]{0,50}?(?:kucoin)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{24})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"kucoin"
]
},
{
"id": "kucoin-secret-key",
"source": "[\\w.-]{0,50}?(?:kucoin)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"kucoin"
]
},
{
"id": "launchdarkly-access-token",
"source": "[\\w.-]{0,50}?(?:launchdarkly)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"launchdarkly"
]
},
{
"id": "linear-api-key",
"source": "lin_api_(?i:[a-z0-9]{40})",
"flags": "",
"keywords": [
"lin_api_"
],
"entropy": 2
},
{
"id": "linear-client-secret",
"source": "[\\w.-]{0,50}?(?:linear)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"linear"
],
"entropy": 2
},
{
"id": "linkedin-client-id",
"source": "[\\w.-]{0,50}?(?:linked[_-]?in)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{14})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"linkedin",
"linked_in",
"linked-in"
],
"entropy": 2
},
{
"id": "linkedin-client-secret",
"source": "[\\w.-]{0,50}?(?:linked[_-]?in)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{16})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"linkedin",
"linked_in",
"linked-in"
],
"entropy": 2
},
{
"id": "lob-api-key",
"source": "[\\w.-]{0,50}?(?:lob)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}((live|test)_[a-f0-9]{35})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"test_",
"live_"
]
},
{
"id": "lob-pub-api-key",
"source": "[\\w.-]{0,50}?(?:lob)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}((test|live)_pub_[a-f0-9]{31})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"test_pub",
"live_pub",
"_pub"
]
},
{
"id": "looker-client-id",
"source": "[\\w.-]{0,50}?(?:looker)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{20})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"looker"
]
},
{
"id": "looker-client-secret",
"source": "[\\w.-]{0,50}?(?:looker)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{24})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"looker"
]
},
{
"id": "mailchimp-api-key",
"source": "[\\w.-]{0,50}?(?:MailchimpSDK.initialize|mailchimp)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{32}-us\\d\\d)(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"mailchimp"
]
},
{
"id": "mailgun-private-api-token",
"source": "[\\w.-]{0,50}?(?:mailgun)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(key-[a-f0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"mailgun"
]
},
{
"id": "mailgun-pub-key",
"source": "[\\w.-]{0,50}?(?:mailgun)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(pubkey-[a-f0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"mailgun"
]
},
{
"id": "mailgun-signing-key",
"source": "[\\w.-]{0,50}?(?:mailgun)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"mailgun"
]
},
{
"id": "mapbox-api-token",
"source": "[\\w.-]{0,50}?(?:mapbox)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(pk\\.[a-z0-9]{60}\\.[a-z0-9]{22})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"mapbox"
]
},
{
"id": "mattermost-access-token",
"source": "[\\w.-]{0,50}?(?:mattermost)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{26})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"mattermost"
]
},
{
"id": "maxmind-license-key",
"source": "\\b([A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"_mmk"
],
"entropy": 4
},
{
"id": "messagebird-api-token",
"source": "[\\w.-]{0,50}?(?:message[_-]?bird)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{25})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"messagebird",
"message-bird",
"message_bird"
]
},
{
"id": "messagebird-client-id",
"source": "[\\w.-]{0,50}?(?:message[_-]?bird)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"messagebird",
"message-bird",
"message_bird"
]
},
{
"id": "microsoft-teams-webhook",
"source": "https://[a-z0-9]+\\.webhook\\.office\\.com/webhookb2/[a-z0-9]{8}-([a-z0-9]{4}-){3}[a-z0-9]{12}@[a-z0-9]{8}-([a-z0-9]{4}-){3}[a-z0-9]{12}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9]{8}-([a-z0-9]{4}-){3}[a-z0-9]{12}",
"flags": "",
"keywords": [
"webhook.office.com",
"webhookb2",
"incomingwebhook"
]
},
{
"id": "netlify-access-token",
"source": "[\\w.-]{0,50}?(?:netlify)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{40,46})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"netlify"
]
},
{
"id": "new-relic-browser-api-token",
"source": "[\\w.-]{0,50}?(?:new-relic|newrelic|new_relic)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(NRJS-[a-f0-9]{19})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"nrjs-"
]
},
{
"id": "new-relic-insert-key",
"source": "[\\w.-]{0,50}?(?:new-relic|newrelic|new_relic)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(NRII-[a-z0-9-]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"nrii-"
]
},
{
"id": "new-relic-user-api-id",
"source": "[\\w.-]{0,50}?(?:new-relic|newrelic|new_relic)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"new-relic",
"newrelic",
"new_relic"
]
},
{
"id": "new-relic-user-api-key",
"source": "[\\w.-]{0,50}?(?:new-relic|newrelic|new_relic)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(NRAK-[a-z0-9]{27})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"nrak"
]
},
{
"id": "notion-api-token",
"source": "\\b(ntn_[0-9]{11}[A-Za-z0-9]{32}[A-Za-z0-9]{3})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"ntn_"
],
"entropy": 4
},
{
"id": "npm-access-token",
"source": "\\b(npm_[a-z0-9]{36})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"npm_"
],
"entropy": 2
},
{
"id": "nuget-config-password",
"source": "<add key=\\\"(?:(?:ClearText)?Password)\\\"\\s*value=\\\"(.{8,})\\\"\\s*/>",
"flags": "i",
"keywords": [
"<add key="
],
"entropy": 1,
"allowlists": [
{
"target": "secret",
"regexes": [
{
"source": "33f!!lloppa",
"flags": ""
},
{
"source": "hal\\+9ooo_da!sY",
"flags": ""
},
{
"source": "^\\%\\S.*\\%$",
"flags": ""
}
]
}
]
},
{
"id": "nytimes-access-token",
"source": "[\\w.-]{0,50}?(?:nytimes|new-york-times,|newyorktimes)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"nytimes",
"new-york-times",
"newyorktimes"
]
},
{
"id": "octopus-deploy-api-key",
"source": "\\b(API-[A-Z0-9]{26})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"api-"
],
"entropy": 3
},
{
"id": "okta-access-token",
"source": "[\\w.-]{0,50}?(?i:[\\w.-]{0,50}?(?:(?-i:[Oo]kta|OKTA))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3})(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(00[\\w=\\-]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"okta"
],
"entropy": 4
},
{
"id": "openai-api-key",
"source": "\\b(sk-(?:proj|svcacct|admin)-(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})T3BlbkFJ(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})\\b|sk-[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"t3blbkfj"
],
"entropy": 3
},
{
"id": "openshift-user-token",
"source": "\\b(sha256~[\\w-]{43})(?:[^\\w-]|(?![\\s\\S]))",
"flags": "",
"keywords": [
"sha256~"
],
"entropy": 3.5
},
{
"id": "perplexity-api-key",
"source": "\\b(pplx-[a-zA-Z0-9]{48})(?:[\\x60'\"\\s;]|\\\\[nr]|$|\\b)",
"flags": "",
"keywords": [
"pplx-"
],
"entropy": 4
},
{
"id": "plaid-api-token",
"source": "[\\w.-]{0,50}?(?:plaid)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"plaid"
]
},
{
"id": "plaid-client-id",
"source": "[\\w.-]{0,50}?(?:plaid)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{24})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"plaid"
],
"entropy": 3.5
},
{
"id": "plaid-secret-key",
"source": "[\\w.-]{0,50}?(?:plaid)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{30})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"plaid"
],
"entropy": 3.5
},
{
"id": "planetscale-api-token",
"source": "\\b(pscale_tkn_(?i:[\\w=\\.-]{32,64}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"pscale_tkn_"
],
"entropy": 3
},
{
"id": "planetscale-oauth-token",
"source": "\\b(pscale_oauth_[\\w=\\.-]{32,64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"pscale_oauth_"
],
"entropy": 3
},
{
"id": "planetscale-password",
"source": "\\b(pscale_pw_(?i:[\\w=\\.-]{32,64}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"pscale_pw_"
],
"entropy": 3
},
{
"id": "postman-api-token",
"source": "\\b(PMAK-(?i:[a-f0-9]{24}\\-[a-f0-9]{34}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"pmak-"
],
"entropy": 3
},
{
"id": "prefect-api-token",
"source": "\\b(pnu_[a-zA-Z0-9]{36})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"pnu_"
],
"entropy": 2
},
{
"id": "private-key",
"source": "-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\\s\\S-]{64,}?KEY(?: BLOCK)?-----",
"flags": "i",
"keywords": [
"-----begin"
]
},
{
"id": "privateai-api-token",
"source": "[\\w.-]{0,50}?(?i:[\\w.-]{0,50}?(?:private[_-]?ai)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3})(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"privateai",
"private_ai",
"private-ai"
],
"entropy": 3
},
{
"id": "pulumi-api-token",
"source": "\\b(pul-[a-f0-9]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"pul-"
],
"entropy": 2
},
{
"id": "pypi-upload-token",
"source": "pypi-AgEIcHlwaS5vcmc[\\w-]{50,1000}",
"flags": "",
"keywords": [
"pypi-ageichlwas5vcmc"
],
"entropy": 3
},
{
"id": "rapidapi-access-token",
"source": "[\\w.-]{0,50}?(?:rapidapi)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9_-]{50})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"rapidapi"
]
},
{
"id": "readme-api-token",
"source": "\\b(rdme_[a-z0-9]{70})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"rdme_"
],
"entropy": 2
},
{
"id": "rubygems-api-token",
"source": "\\b(rubygems_[a-f0-9]{48})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"rubygems_"
],
"entropy": 2
},
{
"id": "scalingo-api-token",
"source": "\\b(tk-us-[\\w-]{48})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"tk-us-"
],
"entropy": 2
},
{
"id": "sendbird-access-id",
"source": "[\\w.-]{0,50}?(?:sendbird)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"sendbird"
]
},
{
"id": "sendbird-access-token",
"source": "[\\w.-]{0,50}?(?:sendbird)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"sendbird"
]
},
{
"id": "sendgrid-api-token",
"source": "\\b(SG\\.(?i:[a-z0-9=_\\-\\.]{66}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"sg."
],
"entropy": 2
},
{
"id": "sendinblue-api-token",
"source": "\\b(xkeysib-[a-f0-9]{64}\\-(?i:[a-z0-9]{16}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"xkeysib-"
],
"entropy": 2
},
{
"id": "sentry-access-token",
"source": "[\\w.-]{0,50}?(?:sentry)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"sentry"
],
"entropy": 3
},
{
"id": "sentry-org-token",
"source": "\\bsntrys_eyJpYXQiO[a-zA-Z0-9+/]{10,200}(?:LCJyZWdpb25fdXJs|InJlZ2lvbl91cmwi|cmVnaW9uX3VybCI6)[a-zA-Z0-9+/]{10,200}={0,2}_[a-zA-Z0-9+/]{43}(?:[^a-zA-Z0-9+/]|(?![\\s\\S]))",
"flags": "",
"keywords": [
"sntrys_eyjpyxqio"
],
"entropy": 4.5
},
{
"id": "sentry-user-token",
"source": "\\b(sntryu_[a-f0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"sntryu_"
],
"entropy": 3.5
},
{
"id": "settlemint-application-access-token",
"source": "\\b(sm_aat_[a-zA-Z0-9]{16})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"sm_aat"
],
"entropy": 3
},
{
"id": "settlemint-personal-access-token",
"source": "\\b(sm_pat_[a-zA-Z0-9]{16})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"sm_pat"
],
"entropy": 3
},
{
"id": "settlemint-service-access-token",
"source": "\\b(sm_sat_[a-zA-Z0-9]{16})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"sm_sat"
],
"entropy": 3
},
{
"id": "shippo-api-token",
"source": "\\b(shippo_(?:live|test)_[a-fA-F0-9]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"shippo_"
],
"entropy": 2
},
{
"id": "shopify-access-token",
"source": "shpat_[a-fA-F0-9]{32}",
"flags": "",
"keywords": [
"shpat_"
],
"entropy": 2
},
{
"id": "shopify-custom-access-token",
"source": "shpca_[a-fA-F0-9]{32}",
"flags": "",
"keywords": [
"shpca_"
],
"entropy": 2
},
{
"id": "shopify-private-app-access-token",
"source": "shppa_[a-fA-F0-9]{32}",
"flags": "",
"keywords": [
"shppa_"
],
"entropy": 2
},
{
"id": "shopify-shared-secret",
"source": "shpss_[a-fA-F0-9]{32}",
"flags": "",
"keywords": [
"shpss_"
],
"entropy": 2
},
{
"id": "sidekiq-secret",
"source": "[\\w.-]{0,50}?(?:BUNDLE_ENTERPRISE__CONTRIBSYS__COM|BUNDLE_GEMS__CONTRIBSYS__COM)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{8}:[a-f0-9]{8})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"bundle_enterprise__contribsys__com",
"bundle_gems__contribsys__com"
]
},
{
"id": "sidekiq-sensitive-url",
"source": "\\bhttps?://([a-f0-9]{8}:[a-f0-9]{8})@(?:gems.contribsys.com|enterprise.contribsys.com)(?:[\\/|\\#|\\?|:]|$)",
"flags": "i",
"keywords": [
"gems.contribsys.com",
"enterprise.contribsys.com"
]
},
{
"id": "slack-app-token",
"source": "xapp-\\d-[A-Z0-9]+-\\d+-[a-z0-9]+",
"flags": "i",
"keywords": [
"xapp"
],
"entropy": 2
},
{
"id": "slack-bot-token",
"source": "xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*",
"flags": "",
"keywords": [
"xoxb"
],
"entropy": 3
},
{
"id": "slack-config-access-token",
"source": "xoxe.xox[bp]-\\d-[A-Z0-9]{163,166}",
"flags": "i",
"keywords": [
"xoxe.xoxb-",
"xoxe.xoxp-"
],
"entropy": 2
},
{
"id": "slack-config-refresh-token",
"source": "xoxe-\\d-[A-Z0-9]{146}",
"flags": "i",
"keywords": [
"xoxe-"
],
"entropy": 2
},
{
"id": "slack-legacy-bot-token",
"source": "xoxb-[0-9]{8,14}-[a-zA-Z0-9]{18,26}",
"flags": "",
"keywords": [
"xoxb"
],
"entropy": 2
},
{
"id": "slack-legacy-token",
"source": "xox[os]-\\d+-\\d+-\\d+-[a-fA-F\\d]+",
"flags": "",
"keywords": [
"xoxo",
"xoxs"
],
"entropy": 2
},
{
"id": "slack-legacy-workspace-token",
"source": "xox[ar]-(?:\\d-)?[0-9a-zA-Z]{8,48}",
"flags": "",
"keywords": [
"xoxa",
"xoxr"
],
"entropy": 2
},
{
"id": "slack-user-token",
"source": "xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}",
"flags": "",
"keywords": [
"xoxp-",
"xoxe-"
],
"entropy": 2
},
{
"id": "slack-webhook-url",
"source": "(?:https?://)?hooks.slack.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}",
"flags": "",
"keywords": [
"hooks.slack.com"
]
},
{
"id": "snyk-api-token",
"source": "[\\w.-]{0,50}?(?:snyk[_.-]?(?:(?:api|oauth)[_.-]?)?(?:key|token))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"snyk"
]
},
{
"id": "sonar-api-token",
"source": "[\\w.-]{0,50}?(?:sonar[_.-]?(login|token))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}((?:squ_|sqp_|sqa_)?[a-z0-9=_\\-]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"sonar"
],
"secretGroup": 2
},
{
"id": "sourcegraph-access-token",
"source": "\\b(\\b(sgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}|sgp_[a-fA-F0-9]{40}|[a-fA-F0-9]{40})\\b)(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"sgp_",
"sourcegraph"
],
"entropy": 3
},
{
"id": "square-access-token",
"source": "\\b((?:EAAA|sq0atp-)[\\w-]{22,60})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"sq0atp-",
"eaaa"
],
"entropy": 2
},
{
"id": "squarespace-access-token",
"source": "[\\w.-]{0,50}?(?:squarespace)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"squarespace"
]
},
{
"id": "stripe-access-token",
"source": "\\b((?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"sk_test",
"sk_live",
"sk_prod",
"rk_test",
"rk_live",
"rk_prod"
],
"entropy": 2
},
{
"id": "sumologic-access-id",
"source": "[\\w.-]{0,50}?(?i:[\\w.-]{0,50}?(?:(?-i:[Ss]umo|SUMO))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3})(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(su[a-zA-Z0-9]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"sumo"
],
"entropy": 3
},
{
"id": "sumologic-access-token",
"source": "[\\w.-]{0,50}?(?:(?-i:[Ss]umo|SUMO))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"sumo"
],
"entropy": 3
},
{
"id": "telegram-bot-api-token",
"source": "[\\w.-]{0,50}?(?:telegr)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9]{5,16}:(?-i:A)[a-z0-9_\\-]{34})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"telegr"
]
},
{
"id": "travisci-access-token",
"source": "[\\w.-]{0,50}?(?:travis)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{22})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"travis"
]
},
{
"id": "twilio-api-key",
"source": "SK[0-9a-fA-F]{32}",
"flags": "",
"keywords": [
"sk"
],
"entropy": 3
},
{
"id": "twitch-api-token",
"source": "[\\w.-]{0,50}?(?:twitch)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{30})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"twitch"
]
},
{
"id": "twitter-access-secret",
"source": "[\\w.-]{0,50}?(?:twitter)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{45})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"twitter"
]
},
{
"id": "twitter-access-token",
"source": "[\\w.-]{0,50}?(?:twitter)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9]{15,25}-[a-zA-Z0-9]{20,40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"twitter"
]
},
{
"id": "twitter-api-key",
"source": "[\\w.-]{0,50}?(?:twitter)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{25})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"twitter"
]
},
{
"id": "twitter-api-secret",
"source": "[\\w.-]{0,50}?(?:twitter)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{50})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"twitter"
]
},
{
"id": "twitter-bearer-token",
"source": "[\\w.-]{0,50}?(?:twitter)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(A{22}[a-zA-Z0-9%]{80,100})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"twitter"
]
},
{
"id": "typeform-api-token",
"source": "[\\w.-]{0,50}?(?:typeform)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(tfp_[a-z0-9\\-_\\.=]{59})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"tfp_"
]
},
{
"id": "vault-batch-token",
"source": "\\b(hvb\\.[\\w-]{138,300})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"hvb."
],
"entropy": 4
},
{
"id": "vault-service-token",
"source": "\\b((?:hvs\\.[\\w-]{90,120}|s\\.(?i:[a-z0-9]{24})))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "",
"keywords": [
"hvs.",
"s."
],
"entropy": 3.5,
"allowlists": [
{
"target": "secret",
"regexes": [
{
"source": "s\\.[A-Za-z]{24}",
"flags": ""
}
]
}
]
},
{
"id": "yandex-access-token",
"source": "[\\w.-]{0,50}?(?:yandex)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(t1\\.[A-Z0-9a-z_-]+[=]{0,2}\\.[A-Z0-9a-z_-]{86}[=]{0,2})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"yandex"
]
},
{
"id": "yandex-api-key",
"source": "[\\w.-]{0,50}?(?:yandex)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(AQVN[A-Za-z0-9_\\-]{35,38})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"yandex"
]
},
{
"id": "yandex-aws-access-token",
"source": "[\\w.-]{0,50}?(?:yandex)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(YC[a-zA-Z0-9_\\-]{38})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"yandex"
]
},
{
"id": "zendesk-secret-key",
"source": "[\\w.-]{0,50}?(?:zendesk)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
"flags": "i",
"keywords": [
"zendesk"
]
}
];
