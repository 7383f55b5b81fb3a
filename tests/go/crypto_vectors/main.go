// Command crypto_vectors answers signing questions with the reference Go libraries, so the
// TypeScript tests can check our signing code against them (tests/fixture/go_crypto.ts builds it).
//
// It links the code the reference Ponos executor and aggregator run, not re-implementations:
//   - github.com/Layr-Labs/crypto-libs (keys, ECDSA and BN254 signing and verification, the
//     Solidity-compatible hash-to-G1) and gnark-crypto's bn254.HashToG1 underneath it;
//   - github.com/Layr-Labs/hourglass-monorepo/ponos at a pinned commit: the executor's signer
//     (inMemorySigner.SignMessage / SignMessageForSolidity), the auth-signature bytes
//     (types.AuthSignatureData.ToSigningBytes), the task-submission bytes
//     (util.EncodeTaskSubmissionMessageVersioned) and the management-auth message
//     (auth.ConstructSignedMessage).
//
// Protocol: one JSON request per line on stdin, one JSON answer per line on stdout, in order, so
// one process serves a whole test. Byte strings are 0x-hex; uint64 values are decimal strings.
// An answer is {"id": <the request's id>, ...result} or {"id": ..., "error": "..."} when the
// request itself is bad. A signature that does not verify is a result ({"valid": false}, with
// "verifyError" when the library returned an error), not a failed request.
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/Layr-Labs/crypto-libs/pkg/bn254"
	"github.com/Layr-Labs/crypto-libs/pkg/ecdsa"
	"github.com/Layr-Labs/hourglass-monorepo/ponos/pkg/auth"
	"github.com/Layr-Labs/hourglass-monorepo/ponos/pkg/config"
	"github.com/Layr-Labs/hourglass-monorepo/ponos/pkg/signer/inMemorySigner"
	"github.com/Layr-Labs/hourglass-monorepo/ponos/pkg/types"
	"github.com/Layr-Labs/hourglass-monorepo/ponos/pkg/util"
	gnark "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/ethereum/go-ethereum/common"
)

// defaultDST is the domain separation tag crypto-libs' bn254 Sign/Verify pass to HashToG1.
const defaultDST = "BLS_SIG_BN254G1_XMD:SHA-256_SSWU_RO_NUL_"

// hexBytes is a byte string written as 0x-hex in JSON.
type hexBytes []byte

func (h hexBytes) MarshalJSON() ([]byte, error) {
	return json.Marshal("0x" + hex.EncodeToString(h))
}

func (h *hexBytes) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("expected a hex string: %w", err)
	}
	if !strings.HasPrefix(s, "0x") {
		return fmt.Errorf("hex string %q must start with 0x", s)
	}
	b, err := hex.DecodeString(s[2:])
	if err != nil {
		return err
	}
	*h = b
	return nil
}

// request is the union of every operation's fields; each operation reads the ones it needs.
type request struct {
	ID int    `json:"id"`
	Op string `json:"op"`

	// Keys and signatures.
	Curve     string   `json:"curve"`  // "ecdsa" | "bn254"
	Scheme    string   `json:"scheme"` // "ecdsa" | "bn254" (standard) | "bn254-solidity"
	Key       hexBytes `json:"key"`
	Message   hexBytes `json:"message"`
	Data      hexBytes `json:"data"`
	Signature hexBytes `json:"signature"`
	PublicKey hexBytes `json:"publicKey"` // BN254: 128-byte G2
	Address   string   `json:"address"`   // ECDSA signer address
	DST       *string  `json:"dst"`

	// Message layouts.
	TaskID             string   `json:"taskId"`
	AvsAddress         string   `json:"avsAddress"`
	OperatorAddress    string   `json:"operatorAddress"`
	ExecutorAddress    string   `json:"executorAddress"`
	OperatorSetID      uint32   `json:"operatorSetId"`
	ReferenceTimestamp uint32   `json:"referenceTimestamp"`
	TaskBlockNumber    uint64   `json:"taskBlockNumber,string"`
	Payload            hexBytes `json:"payload"`
	ResultSignature    hexBytes `json:"resultSignature"`
	Version            uint32   `json:"version"`
	ChallengeToken     string   `json:"challengeToken"`
}

type answer map[string]any

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for in.Scan() {
		var req request
		var res answer
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			res = answer{"error": fmt.Sprintf("bad request: %v", err)}
		} else if r, err := handle(&req); err != nil {
			res = answer{"error": err.Error()}
		} else {
			res = r
		}
		res["id"] = req.ID
		if err := enc.Encode(res); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		// Flush per answer: the caller waits for it before sending the next request.
		if err := out.Flush(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func handle(req *request) (answer, error) {
	switch req.Op {
	case "versions":
		return versions(), nil
	case "publicKeys":
		return publicKeys(req)
	case "sign":
		return sign(req)
	case "signMessage", "signMessageForSolidity":
		return signerSign(req)
	case "verify":
		return verify(req)
	case "hashToG1":
		dst := defaultDST
		if req.DST != nil {
			dst = *req.DST
		}
		p, err := gnark.HashToG1(req.Message, []byte(dst))
		if err != nil {
			return nil, err
		}
		return answer{"point": hexBytes(p.Marshal())}, nil
	case "mapToG1":
		// RFC 9380 map_to_curve_svdw of one field element (gnark MapToCurve1), for the inputs a
		// hash rarely produces: 0, the inv0 cases, p − 1.
		u, err := fieldElement(req.Message)
		if err != nil {
			return nil, err
		}
		p := gnark.MapToCurve1(&u)
		return answer{"point": hexBytes(p.Marshal())}, nil
	case "solidityHashToG1":
		hash, err := bytes32(req.Message, "message")
		if err != nil {
			return nil, err
		}
		p, err := bn254.SolidityHashToG1(hash)
		if err != nil {
			return nil, err
		}
		return answer{"point": hexBytes(p.Marshal())}, nil
	case "authBytes":
		// As the executor (pkg/executor/handlers.go) and the aggregator
		// (pkg/signing/aggregation) build it: the result signature enters as its keccak256.
		data := &types.AuthSignatureData{
			TaskId:          req.TaskID,
			AvsAddress:      req.AvsAddress,
			OperatorAddress: req.OperatorAddress,
			OperatorSetId:   req.OperatorSetID,
			ResultSigDigest: util.GetKeccak256Digest(req.ResultSignature),
		}
		return answer{"bytes": hexBytes(data.ToSigningBytes())}, nil
	case "submissionBytes":
		b, err := util.EncodeTaskSubmissionMessageVersioned(
			req.TaskID,
			req.AvsAddress,
			req.ExecutorAddress,
			req.ReferenceTimestamp,
			req.TaskBlockNumber,
			req.OperatorSetID,
			req.Payload,
			req.Version,
		)
		if err != nil {
			return nil, err
		}
		return answer{"bytes": hexBytes(b)}, nil
	case "managementMessage":
		return answer{"bytes": hexBytes(auth.ConstructSignedMessage(req.ChallengeToken))}, nil
	default:
		return nil, fmt.Errorf("unknown op %q", req.Op)
	}
}

// versions reports the module versions linked in, so a test log says what it compared with.
func versions() answer {
	modules := map[string]string{}
	out := answer{"modules": modules}
	if info, ok := debug.ReadBuildInfo(); ok {
		out["go"] = info.GoVersion
		for _, dep := range info.Deps {
			modules[dep.Path] = dep.Version
		}
	}
	return out
}

func publicKeys(req *request) (answer, error) {
	switch req.Curve {
	case "ecdsa":
		sk, err := ecdsa.NewPrivateKeyFromBytes(req.Key)
		if err != nil {
			return nil, err
		}
		addr, err := sk.DeriveAddress()
		if err != nil {
			return nil, err
		}
		return answer{"address": addr.Hex(), "publicKey": hexBytes(sk.Public().Bytes())}, nil
	case "bn254":
		sk, err := bn254.NewPrivateKeyFromBytes(req.Key)
		if err != nil {
			return nil, err
		}
		pk := sk.Public()
		return answer{
			"g1": hexBytes(pk.GetG1Point().Marshal()),
			"g2": hexBytes(pk.Bytes()),
		}, nil
	default:
		return nil, fmt.Errorf("unknown curve %q", req.Curve)
	}
}

// sign signs req.Message as given (no hashing): ECDSA needs a 32-byte digest, "bn254" maps any
// bytes with HashToG1, "bn254-solidity" a 32-byte hash with SolidityHashToG1.
func sign(req *request) (answer, error) {
	var sig []byte
	switch req.Scheme {
	case "ecdsa":
		sk, err := ecdsa.NewPrivateKeyFromBytes(req.Key)
		if err != nil {
			return nil, err
		}
		s, err := sk.Sign(req.Message)
		if err != nil {
			return nil, err
		}
		sig = s.Bytes()
	case "bn254":
		sk, err := bn254.NewPrivateKeyFromBytes(req.Key)
		if err != nil {
			return nil, err
		}
		s, err := sk.Sign(req.Message)
		if err != nil {
			return nil, err
		}
		sig = s.Bytes()
	case "bn254-solidity":
		sk, err := bn254.NewPrivateKeyFromBytes(req.Key)
		if err != nil {
			return nil, err
		}
		hash, err := bytes32(req.Message, "message")
		if err != nil {
			return nil, err
		}
		s, err := sk.SignSolidityCompatible(hash)
		if err != nil {
			return nil, err
		}
		sig = s.Bytes()
	default:
		return nil, fmt.Errorf("unknown scheme %q", req.Scheme)
	}
	return answer{"signature": hexBytes(sig)}, nil
}

// signerSign runs the Ponos executor's own signer over req.Data: SignMessage hashes with
// keccak256 first; SignMessageForSolidity signs 32-byte data as is (else its keccak256).
func signerSign(req *request) (answer, error) {
	var key any
	var curve config.CurveType
	switch req.Curve {
	case "ecdsa":
		sk, err := ecdsa.NewPrivateKeyFromBytes(req.Key)
		if err != nil {
			return nil, err
		}
		key, curve = sk, config.CurveTypeECDSA
	case "bn254":
		sk, err := bn254.NewPrivateKeyFromBytes(req.Key)
		if err != nil {
			return nil, err
		}
		key, curve = sk, config.CurveTypeBN254
	default:
		return nil, fmt.Errorf("unknown curve %q", req.Curve)
	}
	s := inMemorySigner.NewInMemorySigner(key, curve)
	var sig []byte
	var err error
	if req.Op == "signMessage" {
		sig, err = s.SignMessage(req.Data)
	} else {
		sig, err = s.SignMessageForSolidity(req.Data)
	}
	if err != nil {
		return nil, err
	}
	return answer{"signature": hexBytes(sig)}, nil
}

// verify checks req.Signature over req.Message the way the Ponos executor and aggregator do:
// ECDSA by recovering the signer and comparing addresses (VerifyWithAddress), BN254 with
// Verify (HashToG1) or VerifySolidityCompatible (SolidityHashToG1) against a G2 public key.
func verify(req *request) (answer, error) {
	var ok bool
	var verr error
	switch req.Scheme {
	case "ecdsa":
		if !common.IsHexAddress(req.Address) {
			return nil, fmt.Errorf("address %q is not an address", req.Address)
		}
		sig, err := ecdsa.NewSignatureFromBytes(req.Signature)
		if err != nil {
			return answer{"valid": false, "verifyError": err.Error()}, nil
		}
		ok, verr = sig.VerifyWithAddress(req.Message, common.HexToAddress(req.Address))
	case "bn254", "bn254-solidity":
		pk, err := bn254.NewPublicKeyFromBytes(req.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("public key: %w", err)
		}
		sig, err := bn254.NewSignatureFromBytes(req.Signature)
		if err != nil {
			return answer{"valid": false, "verifyError": err.Error()}, nil
		}
		if req.Scheme == "bn254" {
			ok, verr = sig.Verify(pk, req.Message)
		} else {
			hash, err := bytes32(req.Message, "message")
			if err != nil {
				return nil, err
			}
			ok, verr = sig.VerifySolidityCompatible(pk, hash)
		}
	default:
		return nil, fmt.Errorf("unknown scheme %q", req.Scheme)
	}
	res := answer{"valid": ok && verr == nil}
	if verr != nil {
		res["verifyError"] = verr.Error()
	}
	return res, nil
}

// fieldElement reads 32 big-endian bytes as an element of BN254's base field; values ≥ p are
// refused rather than reduced, so the caller knows which u was mapped.
func fieldElement(b []byte) (fp.Element, error) {
	var u fp.Element
	if len(b) != fp.Bytes {
		return u, fmt.Errorf("field element must be %d bytes, got %d", fp.Bytes, len(b))
	}
	if err := u.SetBytesCanonical(b); err != nil {
		return u, fmt.Errorf("field element: %w", err)
	}
	return u, nil
}

func bytes32(b []byte, field string) ([32]byte, error) {
	var out [32]byte
	if len(b) != 32 {
		return out, fmt.Errorf("%s must be 32 bytes, got %d", field, len(b))
	}
	copy(out[:], b)
	return out, nil
}
