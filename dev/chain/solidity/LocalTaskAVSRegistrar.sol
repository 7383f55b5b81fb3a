// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @dev EigenLayer's `OperatorSet` (libraries/OperatorSetLib.sol): same layout, same ABI.
struct OperatorSet {
    address avs;
    uint32 id;
}

/// @dev The one KeyRegistrar view the registrar needs.
interface IKeyRegistrarKeys {
    function isRegistered(OperatorSet memory operatorSet, address operator) external view returns (bool);
}

/**
 * @title LocalTaskAVSRegistrar
 * @notice An AVS registrar for the local chain with the interface Ponos reads through its
 * `TaskAVSRegistrarBase` binding (the Hourglass middleware's contract, which no Go module ships):
 * `getAvsConfig()` (aggregator and executor operator set ids) and `getOperatorSocket(operator)`,
 * plus the `IAVSRegistrar` callbacks AllocationManager makes on (de)registration.
 * @dev Written for this repository, behaving as the middleware's registrar does:
 * - `registerOperator` (AllocationManager only) requires a key in KeyRegistrar for every operator
 *   set joined (`KeyNotRegistered`), then stores the socket, `abi.decode(data, (string))`, one per
 *   operator whatever the set, as `AVSRegistrarWithSocket` does;
 * - `deregisterOperator` (AllocationManager only) keeps the socket;
 * - `setAvsConfig` (owner) wants at least one executor set, strictly increasing ids, none equal to
 *   the aggregator's.
 * It is constructed, not initialized behind a proxy, and has no operator allowlist.
 */
contract LocalTaskAVSRegistrar {
    struct AvsConfig {
        uint32 aggregatorOperatorSetId;
        uint32[] executorOperatorSetIds;
    }

    address public immutable allocationManager;
    address public immutable keyRegistrar;
    address private immutable _avs;

    address public owner;
    AvsConfig public avsConfig;
    mapping(address => string) private _operatorSockets;

    event AvsConfigSet(uint32 aggregatorOperatorSetId, uint32[] executorOperatorSetIds);
    event OperatorRegistered(address indexed operator, uint32[] operatorSetIds);
    event OperatorDeregistered(address indexed operator, uint32[] operatorSetIds);
    event OperatorSocketSet(address indexed operator, string socket);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error CallerNotOperator();
    error DataLengthMismatch();
    error DuplicateExecutorOperatorSetId();
    error ExecutorOperatorSetIdsEmpty();
    error InvalidAggregatorOperatorSetId();
    error KeyNotRegistered();
    error NotAllocationManager();

    modifier onlyAllocationManager() {
        if (msg.sender != allocationManager) revert NotAllocationManager();
        _;
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "Ownable: caller is not the owner");
        _;
    }

    constructor(
        address allocationManager_,
        address keyRegistrar_,
        address avs_,
        address owner_,
        AvsConfig memory initialConfig
    ) {
        allocationManager = allocationManager_;
        keyRegistrar = keyRegistrar_;
        _avs = avs_;
        _transferOwnership(owner_);
        _setAvsConfig(initialConfig);
    }

    function registerOperator(
        address operator,
        address, /* avs */
        uint32[] calldata operatorSetIds,
        bytes calldata data
    ) external onlyAllocationManager {
        for (uint256 i = 0; i < operatorSetIds.length; i++) {
            OperatorSet memory operatorSet = OperatorSet({avs: _avs, id: operatorSetIds[i]});
            if (!IKeyRegistrarKeys(keyRegistrar).isRegistered(operatorSet, operator)) revert KeyNotRegistered();
        }
        _setOperatorSocket(operator, abi.decode(data, (string)));
        emit OperatorRegistered(operator, operatorSetIds);
    }

    function deregisterOperator(
        address operator,
        address, /* avs */
        uint32[] calldata operatorSetIds
    ) external onlyAllocationManager {
        emit OperatorDeregistered(operator, operatorSetIds);
    }

    function supportsAVS(address avs) external view returns (bool) {
        return avs == _avs;
    }

    function getAVS() external view returns (address) {
        return _avs;
    }

    function getAvsConfig() external view returns (AvsConfig memory) {
        return avsConfig;
    }

    function setAvsConfig(AvsConfig memory config) external onlyOwner {
        _setAvsConfig(config);
    }

    function getOperatorSocket(address operator) external view returns (string memory) {
        return _operatorSockets[operator];
    }

    function updateSocket(address operator, string memory socket) external {
        if (msg.sender != operator) revert CallerNotOperator();
        _setOperatorSocket(operator, socket);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        require(newOwner != address(0), "Ownable: new owner is the zero address");
        _transferOwnership(newOwner);
    }

    function renounceOwnership() external onlyOwner {
        _transferOwnership(address(0));
    }

    function _setAvsConfig(AvsConfig memory config) private {
        if (config.executorOperatorSetIds.length == 0) revert ExecutorOperatorSetIdsEmpty();
        for (uint256 i = 0; i < config.executorOperatorSetIds.length; i++) {
            uint32 id = config.executorOperatorSetIds[i];
            if (id == config.aggregatorOperatorSetId) revert InvalidAggregatorOperatorSetId();
            if (i > 0 && id <= config.executorOperatorSetIds[i - 1]) revert DuplicateExecutorOperatorSetId();
        }
        avsConfig = config;
        emit AvsConfigSet(config.aggregatorOperatorSetId, config.executorOperatorSetIds);
    }

    function _setOperatorSocket(address operator, string memory socket) private {
        _operatorSockets[operator] = socket;
        emit OperatorSocketSet(operator, socket);
    }

    function _transferOwnership(address newOwner) private {
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }
}
