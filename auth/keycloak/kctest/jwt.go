package kctest

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// sign returns claims as an RS256 JWT signed with the realm key.
func (r *realm) sign(claims map[string]any) string {
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: r.key, KeyID: r.kid}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		panic(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		panic(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return out
}

// jwks is the realm's public key set as the certs endpoint serves it.
func (r *realm) jwks() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &r.key.PublicKey, KeyID: r.kid, Algorithm: string(jose.RS256), Use: "sig",
	}}}
}

// verify checks a token this realm issued: signature, issuer, expiry and
// type ("Bearer", "ID" or "Refresh").
func (r *realm) verify(token, issuer, typ string) (map[string]any, error) {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, err
	}
	payload, err := jws.Verify(&r.key.PublicKey)
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, err
	}
	if claims["iss"] != issuer {
		return nil, errors.New("wrong issuer")
	}
	if claims["typ"] != typ {
		return nil, errors.New("wrong token type")
	}
	exp, _ := claims["exp"].(float64)
	if time.Now().Unix() >= int64(exp) {
		return nil, errors.New("token expired")
	}
	if sid, _ := claims["sid"].(string); sid != "" && r.ended[sid] {
		return nil, errors.New("session ended")
	}
	return claims, nil
}

func bearer(h string) string {
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}
