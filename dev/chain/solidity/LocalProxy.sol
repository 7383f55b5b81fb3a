// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title LocalProxy
 * @notice The local chain's stand-in for OpenZeppelin's TransparentUpgradeableProxy (which the
 * Go bindings do not ship): an ERC-1967 proxy created empty, so that contracts whose constructors
 * take each other's addresses (AllocationManager <-> DelegationManager <-> StrategyManager) can be
 * given proxy addresses first, and pointed at their implementations afterwards.
 * @dev The admin (the deployer) has one function of its own, `upgradeToAndCall(address,bytes)`,
 * which sets the implementation and runs an initializer through it in the same transaction; every
 * other call, the admin's included, is forwarded to the implementation. None of the EigenLayer
 * contracts declares that selector, so nothing is shadowed. Local development only: no ProxyAdmin,
 * no admin rotation.
 */
contract LocalProxy {
    /// @dev ERC-1967 slots, so tools (`cast implementation`, explorers) find the implementation:
    /// keccak256("eip1967.proxy.implementation") - 1 and keccak256("eip1967.proxy.admin") - 1.
    bytes32 private constant IMPLEMENTATION_SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;
    bytes32 private constant ADMIN_SLOT = 0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103;
    bytes4 private constant UPGRADE_TO_AND_CALL = bytes4(keccak256("upgradeToAndCall(address,bytes)"));

    event Upgraded(address indexed implementation);
    event AdminChanged(address previousAdmin, address newAdmin);

    error ImplementationNotSet();
    error ImplementationNotAContract(address implementation);

    constructor(address admin) {
        assembly {
            sstore(ADMIN_SLOT, admin)
        }
        emit AdminChanged(address(0), admin);
    }

    fallback() external payable {
        if (msg.sender == _admin() && msg.sig == UPGRADE_TO_AND_CALL) {
            (address implementation, bytes memory data) = abi.decode(msg.data[4:], (address, bytes));
            _upgradeToAndCall(implementation, data);
            return;
        }
        _forward();
    }

    receive() external payable {
        _forward();
    }

    function _upgradeToAndCall(address implementation, bytes memory data) private {
        if (implementation.code.length == 0) revert ImplementationNotAContract(implementation);
        assembly {
            sstore(IMPLEMENTATION_SLOT, implementation)
        }
        emit Upgraded(implementation);
        if (data.length == 0) return;
        (bool ok, bytes memory reason) = implementation.delegatecall(data);
        if (!ok) {
            assembly {
                revert(add(reason, 32), mload(reason))
            }
        }
    }

    function _forward() private {
        address implementation;
        assembly {
            implementation := sload(IMPLEMENTATION_SLOT)
        }
        if (implementation == address(0)) revert ImplementationNotSet();
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), implementation, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }

    function _admin() private view returns (address admin) {
        assembly {
            admin := sload(ADMIN_SLOT)
        }
    }
}
